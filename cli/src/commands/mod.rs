//! One module per subcommand.

pub mod demo;
pub mod inspect;
pub mod keygen;
pub mod seal;
pub mod sign;
pub mod unseal;
pub mod verify;
