//! prelist: a terminal watchlist of crypto coins that have not started trading yet.

pub mod about;
pub mod alert;
pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod form;
pub mod keymap;
pub mod list;
pub mod listing;
pub mod market;
pub mod merge;
pub mod model;
pub mod notify;
pub mod runner;
pub mod sources;
pub mod store;
pub mod text;
pub mod told;
pub mod transfer;
pub mod tui;
pub mod ui;
pub mod view;
pub mod watcher;
