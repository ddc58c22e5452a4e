//! The local peaqOS stack in one process: the devnet with the stack deployed, the MCR service
//! and the Gas Station, all on loopback.
