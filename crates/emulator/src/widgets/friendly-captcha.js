// friendly-captcha
