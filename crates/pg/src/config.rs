//! Connection settings the PostgreSQL way (a documented subset of libpq's): a URL
//! `postgres://[user@][host][:port][/dbname][?param=value&…]`, and for whatever it leaves
//! out the standard variables `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`,
//! `PGPASSFILE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`; a password
//! from neither is looked up in `~/.pgpass` (or `PGPASSFILE`), which is ignored, as libpq
//! does, when others than its owner may read it. TLS is rustls: `sslmode` disable, prefer
//! (the default), require (encrypted; verified when a root certificate is given), verify-ca
//! and verify-full (with `sslrootcert`, `~/.postgresql/root.crt`, or `system` for the
//! bundled web roots). A password is never printed: [`ConnectionSettings::display`] and
//! [`redact`] leave it out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shenhe_store::{StoreError, StoreResult};

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    let lower = location.get(..13).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> StoreResult<SslMode> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(settings_error(format!(
                    "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        })
    }
}

/// Everything needed to connect, resolved from the URL, the environment and the password
/// file. Its `Debug` leaves the password out.
#[derive(Clone)]
pub struct ConnectionSettings {
    /// A host name, or a directory holding the server's Unix socket (starts with `/`).
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    password: Option<String>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
    pub application_name: String,
    pub connect_timeout: Option<Duration>,
}

impl std::fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.display())
    }
}

fn settings_error(message: String) -> StoreError {
    StoreError::Database(format!("PostgreSQL connection settings: {message}"))
}

/// Where environment variables come from (the process's, or a test's own).
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process's environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Environment for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

impl ConnectionSettings {
    /// The settings a URL names, completed from the process's environment.
    pub fn from_url(url: &str) -> StoreResult<ConnectionSettings> {
        Self::resolve(url, &ProcessEnv)
    }

    /// The settings a URL names, completed from `env` and the password file it points to.
    pub fn resolve(url: &str, env: &dyn Environment) -> StoreResult<ConnectionSettings> {
        let parts = parse_url(url)?;
        let get = |key: &str, var: &str| parts.param(key).or_else(|| env.var(var));
        let host = get("host", "PGHOST").unwrap_or_else(default_host);
        let port = match get("port", "PGPORT") {
            None => 5432,
            Some(p) => p
                .parse()
                .map_err(|_| settings_error(format!("port `{p}` is not a port number")))?,
        };
        let user = get("user", "PGUSER")
            .or_else(|| env.var("USER"))
            .or_else(|| env.var("LOGNAME"))
            .ok_or_else(|| settings_error("no user: name one in the URL or PGUSER".into()))?;
        let dbname = get("dbname", "PGDATABASE").unwrap_or_else(|| user.clone());
        let sslmode = SslMode::parse(&get("sslmode", "PGSSLMODE").unwrap_or("prefer".into()))?;
        let sslrootcert = get("sslrootcert", "PGSSLROOTCERT");
        let application_name = get("application_name", "PGAPPNAME").unwrap_or("shenhe".into());
        let connect_timeout = match get("connect_timeout", "PGCONNECT_TIMEOUT") {
            None => None,
            Some(t) => Some(Duration::from_secs(t.parse().map_err(|_| {
                settings_error(format!("connect_timeout `{t}` is not a number of seconds"))
            })?)),
        };
        let mut settings = ConnectionSettings {
            host,
            port,
            user,
            dbname,
            password: None,
            sslmode,
            sslrootcert,
            application_name,
            connect_timeout,
        };
        settings.password = match get("password", "PGPASSWORD") {
            Some(p) => Some(p),
            None => {
                let file = parts
                    .param("passfile")
                    .or_else(|| env.var("PGPASSFILE"))
                    .map(PathBuf::from)
                    .or_else(|| env.var("HOME").map(|h| Path::new(&h).join(".pgpass")));
                file.and_then(|f| pgpass_lookup(&f, &settings))
            }
        };
        Ok(settings)
    }

    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The settings as a URL without the password, for messages.
    pub fn display(&self) -> String {
        let host = if self.host.starts_with('/') {
            format!("?host={}", self.host)
        } else {
            String::new()
        };
        let authority = if self.host.starts_with('/') {
            String::new()
        } else {
            self.host.clone()
        };
        format!(
            "postgres://{}@{}:{}/{}{}",
            self.user, authority, self.port, self.dbname, host
        )
    }

    /// The client's configuration, TLS included.
    pub fn connect(&self) -> StoreResult<postgres::Client> {
        let mut config = postgres::Config::new();
        if self.host.starts_with('/') {
            config.host_path(&self.host);
        } else {
            config.host(&self.host);
        }
        config
            .port(self.port)
            .user(&self.user)
            .dbname(&self.dbname)
            .application_name(&self.application_name);
        if let Some(p) = &self.password {
            config.password(p);
        }
        if let Some(t) = self.connect_timeout {
            config.connect_timeout(t);
        }
        // A link that died without a word (a NAT's or a firewall's idle timeout, a
        // failover) is found within a minute, not the system's two hours.
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        let unix = self.host.starts_with('/');
        config.ssl_mode(match self.sslmode {
            _ if unix => postgres::config::SslMode::Disable,
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
        config.connect(tls).map_err(|e| {
            StoreError::Database(format!(
                "cannot connect to {}: {}",
                self.display(),
                crate::error_text(&e)
            ))
        })
    }

    /// Asks the server to cancel what the connection of `token` is running (best effort:
    /// a cancel that cannot be sent leaves the query to finish, as if none was asked).
    pub(crate) fn cancel(&self, token: &postgres::CancelToken) {
        if let Ok(config) = self.tls_config() {
            let _ = token.cancel_query(tokio_postgres_rustls::MakeRustlsConnect::new(config));
        }
    }

    fn tls_config(&self) -> StoreResult<rustls::ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| settings_error(format!("TLS: {e}")))?;
        let root_file = self.sslrootcert.clone().or_else(|| {
            let home = std::env::var_os("HOME")?;
            let default = Path::new(&home).join(".postgresql/root.crt");
            default
                .exists()
                .then(|| default.to_string_lossy().into_owned())
        });
        let verify = match self.sslmode {
            SslMode::VerifyCa | SslMode::VerifyFull => true,
            // As libpq: `require` with a root certificate given verifies the chain.
            SslMode::Require => self.sslrootcert.is_some(),
            SslMode::Disable | SslMode::Prefer => false,
        };
        if !verify {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(tls::Unverified(provider)))
                .with_no_client_auth());
        }
        let roots = tls::roots(root_file.as_deref(), self.sslmode)?;
        if self.sslmode == SslMode::VerifyFull {
            return Ok(builder.with_root_certificates(roots).with_no_client_auth());
        }
        let inner =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| settings_error(format!("TLS: {e}")))?;
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(tls::ChainOnly(inner)))
            .with_no_client_auth())
    }
}

/// libpq's default: Debian's socket directory where it exists, else `/tmp`.
fn default_host() -> String {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql".into()
    } else {
        "/tmp".into()
    }
}

struct UrlParts {
    user: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<String>,
    dbname: Option<String>,
    params: Vec<(String, String)>,
}

impl UrlParts {
    fn param(&self, key: &str) -> Option<String> {
        let from_params = self
            .params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone());
        from_params
            .or_else(|| match key {
                "user" => self.user.clone(),
                "password" => self.password.clone(),
                "host" => self.host.clone(),
                "port" => self.port.clone(),
                "dbname" => self.dbname.clone(),
                _ => None,
            })
            .filter(|v| !v.is_empty())
    }
}

const KNOWN_PARAMS: &[&str] = &[
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "sslmode",
    "sslrootcert",
    "application_name",
    "connect_timeout",
];

fn parse_url(url: &str) -> StoreResult<UrlParts> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .ok_or_else(|| settings_error(format!("`{}` is not a postgres:// URL", redact(url))))?;
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (before_query, None),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => (Some(decode(user)?), Some(decode(pass)?)),
            None => (Some(decode(u)?), None),
        },
    };
    let (host, port) = if hostport.starts_with('[') {
        match hostport.split_once(']') {
            Some((h, p)) => (
                Some(h[1..].to_string()),
                p.strip_prefix(':').map(str::to_string),
            ),
            None => return Err(settings_error("an IPv6 host without its `]`".into())),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (Some(decode(h)?), Some(p.to_string())),
            None => (Some(decode(hostport)?), None),
        }
    };
    let mut params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        if !KNOWN_PARAMS.contains(&k.as_str()) {
            return Err(settings_error(format!(
                "unknown parameter `{k}` in the URL (known: {})",
                KNOWN_PARAMS.join(", ")
            )));
        }
        params.push((k, v));
    }
    Ok(UrlParts {
        user,
        password,
        host: host.filter(|h| !h.is_empty()),
        port: port.filter(|p| !p.is_empty()),
        dbname: path.map(decode).transpose()?.filter(|d| !d.is_empty()),
        params,
    })
}

fn decode(text: &str) -> StoreResult<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| settings_error("a bad %-escape in the URL".into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| settings_error("the URL is not UTF-8 once decoded".into()))
}

/// `url` with any password taken out (in the user part or as `password=`), for messages.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some(parts) => parts,
        None => return url.to_string(),
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (before_query, None),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let mut out = format!("{scheme}://{authority}");
    if let Some(p) = path {
        out.push('/');
        out.push_str(p);
    }
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|pair| !pair.starts_with("password="))
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

/// Whether the URL itself carries a password (which would then be in argv, or in `ps`).
pub fn url_has_password(url: &str) -> bool {
    redact(url) != url
}

/// The password for `s` in a libpq password file: `host:port:db:user:password` lines,
/// `*` matching anything, `\:` and `\\` escaped. A file others may read is ignored.
fn pgpass_lookup(file: &Path, s: &ConnectionSettings) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "shenhe: warning: password file {} has group or world access; it is ignored (chmod 0600)",
                file.display()
            );
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    // libpq matches a Unix socket in the default directory as `localhost`.
    let host = if s.host.starts_with('/') {
        "localhost".to_string()
    } else {
        s.host.clone()
    };
    let wanted = [host, s.port.to_string(), s.dbname.clone(), s.user.clone()];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(wanted.iter())
            .all(|(f, w)| f == "*" || f == w)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

mod tls {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

    use super::{SslMode, settings_error};
    use shenhe_store::StoreResult;

    pub(super) fn roots(file: Option<&str>, mode: SslMode) -> StoreResult<RootCertStore> {
        let mut roots = RootCertStore::empty();
        match file {
            Some("system") => roots.extend(webpki_roots_list()),
            Some(path) => {
                use rustls::pki_types::pem::PemObject;
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| settings_error(format!("sslrootcert {path}: {e}")))?;
                for cert in certs {
                    let cert =
                        cert.map_err(|e| settings_error(format!("sslrootcert {path}: {e}")))?;
                    roots
                        .add(cert)
                        .map_err(|e| settings_error(format!("sslrootcert {path}: {e}")))?;
                }
            }
            None => {
                return Err(settings_error(format!(
                    "sslmode={} needs a root certificate: sslrootcert=FILE (or PGSSLROOTCERT, or ~/.postgresql/root.crt), or sslrootcert=system",
                    if mode == SslMode::VerifyFull {
                        "verify-full"
                    } else {
                        "verify-ca"
                    }
                )));
            }
        }
        Ok(roots)
    }

    fn webpki_roots_list() -> Vec<rustls::pki_types::TrustAnchor<'static>> {
        webpki_roots::TLS_SERVER_ROOTS.to_vec()
    }

    /// sslmode=prefer and require without a root certificate: encrypted, not verified (as
    /// libpq). Signatures are still checked, so the handshake itself is sound.
    #[derive(Debug)]
    pub(super) struct Unverified(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for Unverified {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// sslmode=verify-ca: the chain must lead to a given root; the name is not checked.
    #[derive(Debug)]
    pub(super) struct ChainOnly(pub Arc<rustls::client::WebPkiServerVerifier>);

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            match self
                .0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Err(Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
                | Err(Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_url_names_everything_and_the_environment_fills_the_rest() {
        let s = ConnectionSettings::resolve(
            "postgres://lina@db.example:6543/shenhe?sslmode=verify-full&application_name=x",
            &env(&[("PGPASSWORD", "s3cret"), ("PGPORT", "1")]),
        )
        .expect("settings");
        assert_eq!(
            (s.host.as_str(), s.port, s.user.as_str(), s.dbname.as_str()),
            ("db.example", 6543, "lina", "shenhe")
        );
        assert_eq!(s.sslmode, SslMode::VerifyFull);
        assert_eq!(s.application_name, "x");
        assert!(s.has_password());
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(!s.display().contains("s3cret"));

        let s = ConnectionSettings::resolve(
            "postgres://",
            &env(&[
                ("PGHOST", "/run/pg"),
                ("PGPORT", "5999"),
                ("PGUSER", "wang"),
                ("PGDATABASE", "review"),
                ("PGSSLMODE", "require"),
                ("HOME", "/nonexistent"),
            ]),
        )
        .expect("settings");
        assert_eq!(
            (s.host.as_str(), s.port, s.user.as_str(), s.dbname.as_str()),
            ("/run/pg", 5999, "wang", "review")
        );
        assert_eq!(s.sslmode, SslMode::Require);
        assert!(!s.has_password());
        // The database defaults to the user's name.
        let s = ConnectionSettings::resolve(
            "postgresql://%2Ftmp%2Fsock/?user=zhao",
            &env(&[("HOME", "/nonexistent")]),
        )
        .expect("settings");
        assert_eq!((s.host.as_str(), s.dbname.as_str()), ("/tmp/sock", "zhao"));
    }

    #[test]
    fn bad_settings_say_what_is_wrong_and_never_the_password() {
        for (url, says) in [
            (
                "postgres://u:pw@h/db?sslmode=sometimes",
                "sslmode `sometimes`",
            ),
            ("postgres://u:pw@h:port/db", "port `port`"),
            (
                "postgres://u:pw@h/db?colour=red",
                "unknown parameter `colour`",
            ),
        ] {
            let err = ConnectionSettings::resolve(url, &env(&[]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn redact_removes_the_password_wherever_it_is() {
        assert_eq!(
            redact("postgres://lina:s3cret@db:5432/shenhe?sslmode=require"),
            "postgres://lina@db:5432/shenhe?sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/shenhe?password=s3cret&user=lina"),
            "postgres://db/shenhe?user=lina"
        );
        assert_eq!(redact("postgres://lina@db/x"), "postgres://lina@db/x");
        assert!(url_has_password("postgres://a:b@h/d"));
        assert!(url_has_password("postgres://h/d?password=b"));
        assert!(!url_has_password("postgres://a@h/d"));
        assert!(is_postgres_url("postgres://h/d") && is_postgres_url("PostgreSQL://h"));
        assert!(!is_postgres_url("/var/lib/shenhe.db"));
    }

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it_and_ignored_when_others_may_read_it() {
        let dir = tempfile_dir();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:nope\ndb.example:5432:shenhe:lina:pa\\:ss\\\\w\n*:*:*:*:fallback\n",
        )
        .expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let path = file.to_string_lossy().into_owned();
        let leaked: &'static str = Box::leak(path.into_boxed_str());
        let vars: &'static [(&str, &str)] = Box::leak(Box::new([("PGPASSFILE", leaked)]));
        let s = ConnectionSettings::resolve("postgres://lina@db.example/shenhe", &env(vars))
            .expect("settings");
        assert_eq!(s.password.as_deref(), Some("pa:ss\\w"));
        let s = ConnectionSettings::resolve("postgres://wang@elsewhere/x", &env(vars))
            .expect("settings");
        assert_eq!(s.password.as_deref(), Some("fallback"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let s = ConnectionSettings::resolve("postgres://lina@db.example/shenhe", &env(vars))
                .expect("settings");
            assert_eq!(s.password, None, "a readable password file is ignored");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "shenhe-pgpass-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }
}
