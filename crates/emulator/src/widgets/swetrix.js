// swetrix
