//! Configuration: command-line flags, then environment variables, then an optional TOML
//! file, then defaults — the first that says something wins.

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Args, Debug, Default)]
pub struct Flags {
    /// Database URL: sqlite://FILE, postgres://… or mysql://… [env: DATABASE_URL]
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Address to listen on [env: CHUANGXIANG_BIND] [default: 127.0.0.1:8080]
    #[arg(long, global = true)]
    pub bind: Option<String>,
    /// Folder for the SQLite database [env: CHUANGXIANG_DATA_DIR] [default: ./data]
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file [env: CHUANGXIANG_CONFIG] [default: ./chuangxiang.toml if present]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Reverse proxies whose X-Forwarded-For is believed, comma-separated (e.g. 127.0.0.1)
    /// [env: CHUANGXIANG_TRUSTED_PROXIES] [default: none]
    #[arg(long, global = true)]
    pub trusted_proxies: Option<String>,
    /// The address residents use, e.g. https://cx.example.gov.cn: with https, cookies are
    /// marked Secure; printed QR codes point there [env: CHUANGXIANG_PUBLIC_URL]
    #[arg(long, global = true)]
    pub public_url: Option<String>,
}

/// The keys a configuration file may hold.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct File {
    database_url: Option<String>,
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    trusted_proxies: Option<Vec<String>>,
    public_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub public_url: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn resolve(flags: &Flags) -> anyhow::Result<Self> {
        let path = flags
            .config
            .clone()
            .or_else(|| env("CHUANGXIANG_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("chuangxiang.toml")).filter(|p| p.exists()));
        let file = match &path {
            None => File::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{} is not a valid configuration file", p.display()))?
            }
        };
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| env("CHUANGXIANG_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = flags
            .database_url
            .clone()
            .or_else(|| env("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("chuangxiang.db").display()));
        let bind = flags
            .bind
            .clone()
            .or_else(|| env("CHUANGXIANG_BIND"))
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let proxies = flags
            .trusted_proxies
            .clone()
            .or_else(|| env("CHUANGXIANG_TRUSTED_PROXIES"))
            .or_else(|| file.trusted_proxies.map(|list| list.join(",")))
            .unwrap_or_default();
        let trusted_proxies = chuangxiang_web::security::parse_addresses(&proxies)
            .map_err(|e| anyhow::anyhow!("trusted proxies: {e}"))?;
        let public_url = flags
            .public_url
            .clone()
            .or_else(|| env("CHUANGXIANG_PUBLIC_URL"))
            .or(file.public_url)
            .map(|u| u.trim().trim_end_matches('/').to_owned());
        if let Some(u) = &public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            anyhow::bail!("public URL {u:?} must start with https:// or http://");
        }
        Ok(Settings {
            database_url,
            bind,
            trusted_proxies,
            public_url,
        })
    }
}

/// A database URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A random password for `user create` when none is given.
pub fn generated_password() -> String {
    chuangxiang_store::sessions::new_token()[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(
            redact("postgres://cx:secret@db:5432/cx"),
            "postgres://cx:***@db:5432/cx"
        );
        assert_eq!(
            redact("sqlite://data/chuangxiang.db"),
            "sqlite://data/chuangxiang.db"
        );
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let dir = std::env::temp_dir().join(format!("cx-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("c.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/cx\"\n").expect("write");
        let flags = Flags {
            config: Some(file.clone()),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags).expect("resolves");
        // DATABASE_URL and CHUANGXIANG_BIND may be set by the test runner's environment.
        if env("CHUANGXIANG_BIND").is_none() {
            assert_eq!(s.bind, "0.0.0.0:9000");
        }
        if env("DATABASE_URL").is_none() && env("CHUANGXIANG_DATA_DIR").is_none() {
            assert_eq!(s.database_url, "sqlite:///srv/cx/chuangxiang.db");
        }
        let flags = Flags {
            config: Some(file),
            bind: Some("127.0.0.1:1".into()),
            ..Flags::default()
        };
        assert_eq!(
            Settings::resolve(&flags).expect("resolves").bind,
            "127.0.0.1:1"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn proxies_and_the_public_address_are_read_and_checked() {
        let dir = std::env::temp_dir().join(format!("cx-config-proxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "trusted_proxies = [\"127.0.0.1\", \"::1\"]\npublic_url = \"https://cx.example.gov.cn/\"\n",
        )
        .expect("write");
        let flags = Flags {
            config: Some(file.clone()),
            ..Flags::default()
        };
        if env("CHUANGXIANG_TRUSTED_PROXIES").is_none() && env("CHUANGXIANG_PUBLIC_URL").is_none() {
            let s = Settings::resolve(&flags).expect("resolves");
            assert_eq!(s.trusted_proxies.len(), 2);
            assert_eq!(s.public_url.as_deref(), Some("https://cx.example.gov.cn"));
        }
        let typo = Flags {
            config: Some(file.clone()),
            trusted_proxies: Some("127.0.0.1,nginx".into()),
            ..Flags::default()
        };
        assert!(Settings::resolve(&typo).is_err());
        let bad_url = Flags {
            config: Some(file),
            public_url: Some("cx.example.gov.cn".into()),
            ..Flags::default()
        };
        assert!(Settings::resolve(&bad_url).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = std::env::temp_dir().join(format!("cx-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("c.toml");
        std::fs::write(&file, "port = 80\n").expect("write");
        let flags = Flags {
            config: Some(file),
            ..Flags::default()
        };
        assert!(Settings::resolve(&flags).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
