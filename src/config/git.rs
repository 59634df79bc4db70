//! A secret must never reach version control: a config file that holds an
//! API key or a webhook URL inside a git work tree is one `git add .` away
//! from a public repository, so prelist says so.

use std::path::{Path, PathBuf};

/// The work tree `path` lies in: the nearest directory above it (links
/// followed) holding a `.git`, a directory or, in a linked work tree or a
/// submodule, a file.
pub fn work_tree_of(path: &Path) -> Option<PathBuf> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    path.ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// The warning for a file holding the secret under `key` (the dotted key,
/// as `FileConfig` names it) inside the work tree at `tree`.
pub fn warning(file: &Path, key: &str, tree: &Path) -> String {
    let instead = if key.starts_with("notify.") {
        "webhook_command"
    } else {
        "api_key_command"
    };
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!(
        "{name} holds a secret and is inside the git repository at {}: move it out, or use \
         {instead}",
        tree.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_a_work_tree_finds_it_and_one_outside_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("dotfiles");
        let file = repo.join("prelist").join("config.toml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "").unwrap();
        let outside = dir.path().join("config.toml");
        std::fs::write(&outside, "").unwrap();
        assert_eq!(work_tree_of(&file), None);
        std::fs::create_dir(repo.join(".git")).unwrap();
        let real = std::fs::canonicalize(&repo).unwrap();
        assert_eq!(work_tree_of(&file), Some(real.clone()));
        assert_eq!(work_tree_of(&outside), None);
        // A linked work tree has a `.git` file.
        std::fs::remove_dir(repo.join(".git")).unwrap();
        std::fs::write(repo.join(".git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(work_tree_of(&file), Some(real.clone()));
        // A link to the file is followed to where it lies.
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(work_tree_of(&link), Some(real.clone()));
        let says = warning(&file, "poll.api_key", &real);
        assert!(
            says.starts_with("config.toml holds a secret and is inside the git repository at ")
                && says.ends_with(": move it out, or use api_key_command"),
            "{says}"
        );
        assert!(warning(&file, "notify.webhook", &real).ends_with("webhook_command"));
    }
}
