//! sealkit for python (in progress).
