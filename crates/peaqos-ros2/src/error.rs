//! A failure as it travels in a response tail: `error_code`, `error_field`, `error`.

/// A failed call: the code (SDK code, or the official node's exception class name for its own
/// checks: `ValueError`, `KeyError`, `RuntimeError`), the request field at fault, the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct NodeError {
    /// Stable code.
    pub code: String,
    /// The field at fault, or empty.
    pub field: String,
    /// Human-readable text (never a key or a 2FA code).
    pub message: String,
}

/// The code of a disabled node.
pub const DISABLED: &str = "DISABLED";
/// The text of a disabled node.
pub const DISABLED_MESSAGE: &str = "peaq_os.enabled=false";

impl NodeError {
    /// A failure.
    pub fn new(code: &str, field: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The official node's `ValueError` for bad input in `field`.
    pub fn value(field: &str, message: impl Into<String>) -> Self {
        Self::new("ValueError", field, message)
    }

    /// A disabled node's answer.
    pub fn disabled() -> Self {
        Self::new(DISABLED, "", DISABLED_MESSAGE)
    }
}

impl From<peaqos_sdk::Error> for NodeError {
    fn from(e: peaqos_sdk::Error) -> Self {
        let field = match &e {
            peaqos_sdk::Error::Validation(v) => v.field.clone(),
            _ => String::new(),
        };
        Self {
            code: e.code().to_owned(),
            field,
            message: e.to_string(),
        }
    }
}

impl From<peaqos_sdk::ValidationError> for NodeError {
    fn from(e: peaqos_sdk::ValidationError) -> Self {
        peaqos_sdk::Error::Validation(e).into()
    }
}
