// playtcha
