//! `jiceng bench`: a load generator for the running server, the write-path limit it is
//! measured against, a peer to compare with, and kernel timings.

pub mod city;
pub mod kernels;
pub mod limit;
pub mod load;
pub mod shares;

pub use load::{LoadOpts, Mix};
