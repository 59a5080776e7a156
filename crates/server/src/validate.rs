//! Input rules shared by registration and account changes. Each answers the stable code the
//! UI translates.

use chatenium_api::ErrorCode;

use crate::error::ApiResult;

pub fn username(name: &str) -> ApiResult<()> {
    let length = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if (3..=32).contains(&length) && allowed {
        Ok(())
    } else {
        Err(ErrorCode::InvalidUsername.into())
    }
}

pub fn display_name(name: &str) -> ApiResult<()> {
    let length = name.chars().count();
    if (1..=64).contains(&length) && !name.trim().is_empty() && !name.chars().any(char::is_control)
    {
        Ok(())
    } else {
        Err(ErrorCode::InvalidDisplayName.into())
    }
}

/// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn email(address: &str) -> ApiResult<()> {
    let valid = address.len() <= 254
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(())
    } else {
        Err(ErrorCode::InvalidEmail.into())
    }
}

/// International form: `+` and 7 to 15 digits.
pub fn phone(number: &str) -> ApiResult<()> {
    let digits = number.strip_prefix('+').unwrap_or("");
    if (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ErrorCode::InvalidPhone.into())
    }
}

pub fn password(password: &str) -> ApiResult<()> {
    if password.chars().count() >= 8 && password.len() <= 1024 {
        Ok(())
    } else {
        Err(ErrorCode::WeakPassword.into())
    }
}

/// Which kind of identity a sign-in names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Email,
    Phone,
    Username,
}

pub fn identity_kind(identity: &str) -> IdentityKind {
    if identity.contains('@') {
        IdentityKind::Email
    } else if identity.starts_with('+') {
        IdentityKind::Phone
    } else {
        IdentityKind::Username
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_accept_the_ordinary_and_refuse_the_odd() {
        assert!(username("anna_k.9").is_ok());
        for bad in ["ab", "has space", "ékezet", "<script>", &"x".repeat(33)] {
            assert!(username(bad).is_err(), "{bad}");
        }
        assert!(email("anna@example.hu").is_ok());
        for bad in [
            "anna",
            "@example.hu",
            "anna@",
            "anna@example",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(phone("+36301234567").is_ok());
        assert!(phone("06301234567").is_err());
        assert!(display_name("Kovács Anna").is_ok());
        assert!(display_name("   ").is_err());
        assert!(password("short").is_err());
        assert_eq!(identity_kind("+3630"), IdentityKind::Phone);
        assert_eq!(identity_kind("a@b.c"), IdentityKind::Email);
        assert_eq!(identity_kind("anna"), IdentityKind::Username);
    }
}
