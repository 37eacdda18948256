//! One module per subcommand.

pub mod demo;
pub mod inspect;
pub mod keygen;
pub mod seal;
pub mod sign;
pub mod unseal;
pub mod verify;

// Trust: certificates, policies, rotation.
pub mod cert;
pub mod policy;
pub mod rotate;
pub mod trust;

// Keyless signing: the certificate issuer service and its audit log.
pub mod issuer;
