// trustcaptcha
