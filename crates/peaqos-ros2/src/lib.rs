#![doc = include_str!("../README.md")]

pub mod client;
pub mod config;
pub mod error;
pub mod interfaces;
pub mod node;
pub mod registry;
pub mod services;
