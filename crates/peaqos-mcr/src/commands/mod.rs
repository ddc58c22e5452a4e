//! The binary's subcommands besides serving (`peaqos-mcr` alone runs the service).

pub(crate) mod fx_import;
