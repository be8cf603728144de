// hcaptcha
