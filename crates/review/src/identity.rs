//! Who is acting: the operating-system account of the process, looked up by uid. The
//! `USER` variable can be set by anyone and is not trusted.

/// The variable that names the reviewer in tests and demos. It is honoured only on a
/// database created to allow it (`shenhe demo`, or `shenhe init --allow-reviewer-override`),
/// never on a real one: there, one reviewer cannot act as another.
pub const REVIEWER_OVERRIDE_VARIABLE: &str = "SHENHE_REVIEWER";

/// The meta key that marks a database as allowing the override.
pub const OVERRIDE_META_KEY: &str = "allow_reviewer_override";

/// The login name of the real user id of this process.
#[cfg(unix)]
pub fn os_account() -> String {
    // SAFETY: getuid cannot fail; getpwuid_r writes only into the buffers we pass.
    unsafe {
        let uid = libc::getuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_string_lossy()
                .into_owned();
            if !name.is_empty() {
                return name;
            }
        }
        format!("uid{uid}")
    }
}

#[cfg(not(unix))]
pub fn os_account() -> String {
    "unknown".to_string()
}

/// The reviewer for a database that does (or does not) allow the override.
pub fn reviewer(override_allowed: bool) -> String {
    let account = os_account();
    if !override_allowed {
        return account;
    }
    match std::env::var(REVIEWER_OVERRIDE_VARIABLE) {
        Ok(name) if valid_override(&name) => name,
        _ => account,
    }
}

fn valid_override(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}
