//! The `proxy` option every provider takes, as napi receives it.

use napi::bindgen_prelude::Either;
use napi_derive::napi;

use captcha_core::errors::CaptchaError;
use captcha_core::transport::{ProxyServer, ProxySetting};

/// Credentials for a proxy, as in axios' `proxy.auth`.
#[napi(object)]
pub struct ProxyAuth {
    pub username: String,
    pub password: String,
}

/// A proxy, in the shape of axios' `proxy` option.
#[napi(object)]
pub struct ProxyConfig {
    pub host: String,
    pub port: f64,
    pub protocol: Option<String>,
    pub auth: Option<ProxyAuth>,
}

/// `undefined`: the environment's proxies; `false`: none; an object: that proxy.
pub fn proxy_setting(proxy: Option<Either<bool, ProxyConfig>>) -> Result<ProxySetting, CaptchaError> {
    match proxy {
        None => Ok(ProxySetting::FromEnvironment),
        Some(Either::A(false)) => Ok(ProxySetting::Disabled),
        Some(Either::A(true)) => Err(CaptchaError::invalid_argument(
            "proxy must be an object, false or undefined",
        )),
        Some(Either::B(config)) => {
            let credentials = config.auth.map(|auth| (auth.username, auth.password));
            Ok(ProxySetting::Explicit(ProxyServer::new(
                config.protocol.as_deref(),
                &config.host,
                config.port,
                credentials,
            )?))
        }
    }
}
