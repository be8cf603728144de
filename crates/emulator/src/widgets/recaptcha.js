// recaptcha
