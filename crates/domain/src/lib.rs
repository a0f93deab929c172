//! Jiceng's use cases and rules, one module per capability. Every use case takes the
//! [`Actor`](jiceng_core::Actor) and decides access here, never in a handler. Stores are
//! traits without SQL; their implementations live in `jiceng-store`.

pub mod appeals;
pub mod audit;
pub mod auth;
pub mod city;
pub mod ctx;
pub mod demo;
pub mod figures;
pub mod import;
pub mod lists;
pub mod network;
pub mod org;
pub mod party;
pub mod people;
pub mod workforce;

pub use ctx::Ctx;

use jiceng_core::{Actor, DomainError, Result, Verb};

/// Refuses unless the actor's role allows the verb.
pub fn require(actor: &Actor, verb: Verb) -> Result<()> {
    if actor.can(verb) {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Refuses unless the role allows the verb and the path is inside the actor's reach.
/// Outside the reach answers "not found", so a probe cannot learn what exists.
pub fn require_in_scope(actor: &Actor, verb: Verb, path: &str) -> Result<()> {
    require(actor, verb)?;
    if actor.reaches(path) {
        Ok(())
    } else {
        Err(DomainError::NotFound("unit"))
    }
}

/// Constant-time comparison of secrets (tokens).
pub fn ct_eq_str(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
