//! The native module `sealkit._sealkit` behind the Python package `sealkit`.
//!
//! It only marshals arguments and maps errors: every verdict comes from the `sealkit` core
//! (`VerifierSlot`, `TrustPolicy`, `sign`), and key files are read by `sealkit-keyfile`, the
//! crate the CLI uses. The exception classes live in Python (`sealkit/errors.py`); Rust raises
//! them by the core's stable code through [`core_error`].

mod buffer;
mod image;
mod keys;
mod sealed;
mod sign;
mod sign_trust;
mod tree;
mod trust;
mod verify;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// The Python exception for a core error: the class of `sealkit.errors` whose `code` is the
/// core's code, with the core's message. This is the only place core errors become Python
/// exceptions.
pub(crate) fn core_error(py: Python<'_>, error: sealkit::Error) -> PyErr {
    match error_instance(py, error.code(), error.message()) {
        Ok(e) => e,
        Err(e) => e,
    }
}

/// An instance of `sealkit.errors.error_class(code)(message)`.
fn error_instance(py: Python<'_>, code: u16, message: &str) -> PyResult<PyErr> {
    let errors = py.import("sealkit.errors")?;
    let class = errors.getattr("error_class")?.call1((code,))?;
    let instance = class.call1((message,))?;
    Ok(PyErr::from_value(instance))
}

/// The Python exception for a key file problem: the core's error where the core refused the
/// key, `OSError` for I/O, else `sealkit.errors.KeyFileError`.
pub(crate) fn key_file_error(py: Python<'_>, error: sealkit_keyfile::KeyFileError) -> PyErr {
    match error {
        sealkit_keyfile::KeyFileError::Key(e) => core_error(py, e),
        sealkit_keyfile::KeyFileError::Io(e) => PyErr::from(e),
        other => {
            let message = other.to_string();
            match error_class_by_name(py, "KeyFileError").and_then(|c| c.call1((message,))) {
                Ok(instance) => PyErr::from_value(instance),
                Err(e) => e,
            }
        }
    }
}

fn error_class_by_name<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("sealkit.errors")?.getattr(name)
}

/// Every error of the core as `(code, name, message)`, in code order.
#[pyfunction]
fn error_codes(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyTuple>>> {
    sealkit::Error::ALL
        .iter()
        .map(|e| {
            PyTuple::new(
                py,
                [
                    e.code().into_pyobject(py)?.into_any(),
                    e.name().into_pyobject(py)?.into_any(),
                    e.message().into_pyobject(py)?.into_any(),
                ],
            )
        })
        .collect()
}

/// The native part of the `sealkit` package; import `sealkit` instead.
#[pymodule]
fn _sealkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PUBLIC_KEY_TEXT_PREFIX", sealkit::PUBLIC_KEY_TEXT_PREFIX)?;
    m.add("MAX_TRUSTED_KEYS", sealkit::MAX_TRUSTED_KEYS)?;
    m.add("MAX_ENVELOPE_LEN", sealkit::MAX_ENVELOPE_LEN)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_class::<keys::PublicKey>()?;
    m.add_class::<keys::TrustPolicy>()?;
    m.add_class::<verify::Verified>()?;
    m.add_class::<verify::Verifier>()?;
    m.add_function(wrap_pyfunction!(verify::verify_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(verify::verify_file, m)?)?;
    m.add_class::<sign::SigningKey>()?;
    m.add_function(wrap_pyfunction!(sign::sign_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(sign::sign_file, m)?)?;
    m.add("SEALED_HEADER_LEN", sealkit::SEALED_HEADER_LEN)?;
    m.add_class::<sealed::Unsealer>()?;
    m.add_function(wrap_pyfunction!(sealed::unseal_file, m)?)?;
    m.add_function(wrap_pyfunction!(sealed::seal_file, m)?)?;
    m.add_function(wrap_pyfunction!(sealed::sealed_header, m)?)?;
    m.add("TREE_MEDIA_TYPE", sealkit::TREE_MEDIA_TYPE)?;
    m.add_function(wrap_pyfunction!(tree::encode_tree_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(tree::tree_signature, m)?)?;
    m.add_function(wrap_pyfunction!(tree::open_tree_signature, m)?)?;
    m.add_function(wrap_pyfunction!(tree::sign_tree, m)?)?;
    m.add_function(wrap_pyfunction!(tree::verify_tree, m)?)?;
    m.add_function(wrap_pyfunction!(image::verify_image, m)?)?;
    m.add_function(wrap_pyfunction!(image::sign_image, m)?)?;
    m.add("MAX_SIGNERS", sealkit::MAX_SIGNERS)?;
    m.add_class::<trust::Signer>()?;
    m.add_class::<trust::SignerReport>()?;
    m.add_class::<trust::SignerCheck>()?;
    m.add_function(wrap_pyfunction!(trust::check_signers, m)?)?;
    m.add_function(wrap_pyfunction!(sign_trust::issue_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(sign_trust::sign_rotation, m)?)?;
    m.add_function(wrap_pyfunction!(sign_trust::append_signature, m)?)?;
    Ok(())
}
