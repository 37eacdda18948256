//! sealkit for c (in progress).
