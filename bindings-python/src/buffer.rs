//! Zero-copy access to any object that exports a buffer (bytes, bytearray, memoryview, mmap,
//! array.array, numpy arrays...).
//!
//! pyo3 only offers `PyBuffer` when the stable ABI targets Python 3.11 or later, because the
//! buffer functions entered the limited API in 3.11. The wheel targets 3.9 (`abi3-py39`), so the
//! two functions are declared here. Both are public C API functions exported by every CPython 3
//! interpreter, and `Py_buffer`'s layout below is the one CPython has used since 3.3 and that
//! 3.11 froze into the stable ABI, so this is exactly what a 3.11+ build would call.

use std::ffi::{c_char, c_int, c_void};
use std::marker::PhantomData;
use std::ptr;

use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

/// CPython's `Py_buffer` (Include/pybuffer.h, unchanged since 3.3, stable ABI since 3.11).
#[repr(C)]
struct RawBuffer {
    buf: *mut c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
}

/// `PyBUF_SIMPLE`: a contiguous run of bytes, no format, shape or strides. Exporters that
/// cannot give one (a sliced, strided memoryview) refuse with `BufferError`.
const PYBUF_SIMPLE: c_int = 0;

extern "C" {
    fn PyObject_GetBuffer(obj: *mut ffi::PyObject, view: *mut RawBuffer, flags: c_int) -> c_int;
    fn PyBuffer_Release(view: *mut RawBuffer);
}

/// A read-only view of an object's exported bytes, released when dropped. While it exists the
/// exporter keeps the memory allocated and in place: `bytearray` refuses to resize, `mmap`
/// refuses to close and `memoryview` refuses to release (each raises `BufferError`).
pub struct Bytes<'py> {
    view: Box<RawBuffer>,
    // The view must be released with the GIL held: tie it to the `Python` token's lifetime and
    // keep it off other threads (raw pointers make it neither Send nor Sync).
    _py: PhantomData<Python<'py>>,
}

impl<'py> Bytes<'py> {
    /// Gets the bytes of `obj` (any object with the buffer protocol). Objects without it raise
    /// `TypeError`; non-contiguous buffers raise `BufferError`.
    pub fn get(obj: &Bound<'py, PyAny>) -> PyResult<Bytes<'py>> {
        let mut view = Box::new(RawBuffer {
            buf: ptr::null_mut(),
            obj: ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: ptr::null_mut(),
            shape: ptr::null_mut(),
            strides: ptr::null_mut(),
            suboffsets: ptr::null_mut(),
            internal: ptr::null_mut(),
        });
        // SAFETY: `obj` is a live object (we hold a reference and the GIL), `view` points to a
        // writable `Py_buffer`-shaped allocation that outlives the call; on failure CPython sets
        // an exception and leaves nothing to release.
        let rc = unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut *view, PYBUF_SIMPLE) };
        if rc != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        let bytes = Bytes {
            view,
            _py: PhantomData,
        };
        if bytes.view.len < 0 || (bytes.view.buf.is_null() && bytes.view.len != 0) {
            return Err(PyBufferError::new_err(
                "the object exported an invalid buffer",
            ));
        }
        Ok(bytes)
    }

    /// The exported bytes.
    ///
    /// The slice may be read with the GIL released (see `Verifier.update`): what makes that
    /// sound is that the export, not the GIL, keeps the memory alive; see `Bytes`.
    pub fn as_slice(&self) -> &[u8] {
        let len = usize::try_from(self.view.len).unwrap_or(0);
        if len == 0 {
            return &[];
        }
        // SAFETY: `get` checked that `buf` is non-null for a non-zero, non-negative `len`;
        // PyBUF_SIMPLE guarantees `len` contiguous bytes at `buf`, kept allocated and in place
        // until `PyBuffer_Release` (in `drop`), which cannot run while this borrow of `self`
        // lives. A writable exporter (bytearray, writable mmap) can still have its bytes
        // rewritten by another thread while we read; see the SAFETY note in `Verifier.update`.
        unsafe { std::slice::from_raw_parts(self.view.buf.cast::<u8>(), len) }
    }
}

impl Drop for Bytes<'_> {
    fn drop(&mut self) {
        // SAFETY: the view was filled by a successful `PyObject_GetBuffer` and is released
        // exactly once, here, with the GIL held (`Bytes` is tied to a `Python<'py>` lifetime and
        // is neither Send nor Sync, so it is dropped on the thread that holds the GIL).
        unsafe { PyBuffer_Release(&mut *self.view) }
    }
}
