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

/// Whether `name` may name a reviewer (in the reviewers table, or as the override): a
/// short plain identifier, safe to print anywhere.
pub fn valid_name(name: &str) -> bool {
    valid_override(name)
}

fn valid_override(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The account running the tests, as `id -un` names it.
    fn id_un() -> String {
        let out = std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id -un");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn the_account_is_the_real_users_and_the_override_needs_a_test_database() {
        let me = id_un();
        assert!(!me.is_empty());
        assert_eq!(os_account(), me);
        // Not allowed: whatever SHENHE_REVIEWER says, the account.
        assert_eq!(reviewer(false), me);
    }

    #[test]
    fn override_names_are_short_plain_identifiers() {
        for good in ["lina", "wang.wei", "r-1", "a_b", &"x".repeat(32)] {
            assert!(valid_override(good), "{good}");
        }
        for bad in [
            "",
            "li na",
            "lina\n",
            "\u{1b}[2J",
            "王伟",
            &"x".repeat(33),
            "a/b",
        ] {
            assert!(!valid_override(bad), "{bad:?}");
        }
    }
}
