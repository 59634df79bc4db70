//! `prelist completions SHELL` and `prelist manpage`: made from the same
//! clap definitions as `--help`, so neither can drift from the command line.

use clap::CommandFactory;

use super::print;
use crate::cli::Cli;
use crate::error::Error;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "prelist", &mut out);
    print(&out);
    Ok(())
}

/// Prints the man page, in roff.
pub fn manpage() -> Result<(), Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::failed(format!("cannot write the man page: {e}")))?;
    // The title line first, as man pages begin; the string definitions
    // clap_mangen writes before it serve the text, which follows them still.
    let text = String::from_utf8_lossy(&page);
    let (title, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with(".TH "));
    let mut out = Vec::new();
    for line in title.iter().chain(&rest) {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    // Each subcommand's own page follows the main one's, so one file names
    // and describes them all.
    for sub in Cli::command().get_subcommands() {
        let name = format!("prelist-{}", sub.get_name());
        let page = clap_mangen::Man::new(sub.clone().name(name));
        page.render_name_section(&mut out)
            .and_then(|()| page.render_synopsis_section(&mut out))
            .and_then(|()| page.render_description_section(&mut out))
            .and_then(|()| page.render_options_section(&mut out))
            .map_err(|e| Error::failed(format!("cannot write the man page: {e}")))?;
    }
    print(&out);
    Ok(())
}
