// turnstile
