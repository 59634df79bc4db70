//! The one error a command ends with, and the exit code it means.

use std::process::ExitCode;

/// Why a command stopped. Each kind owns its exit code, so every way out
/// of the program maps to the codes the command line promises.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage, or an unreadable or invalid input file (exit 2). The
    /// message names the file, and the line and column where it can.
    #[error("{0}")]
    Usage(String),
    /// A market-data source could not be reached or understood (exit 3).
    #[error("{0}")]
    Source(String),
    /// The command ran but could not finish its work, such as a save that
    /// failed (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn usage(message: impl ToString) -> Error {
        Error::Usage(message.to_string())
    }

    pub fn failed(message: impl ToString) -> Error {
        Error::Failed(message.to_string())
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Error::Failed(_) => 1,
            Error::Usage(_) => 2,
            Error::Source(_) => 3,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_the_documented_exit_code() {
        assert_eq!(Error::failed("x").exit_code(), ExitCode::from(1));
        assert_eq!(Error::usage("x").exit_code(), ExitCode::from(2));
        assert_eq!(Error::Source("x".into()).exit_code(), ExitCode::from(3));
    }
}
