//! TEMPORARY until core's timestamp receipts land.
pub const MAX_RECEIPT_LEN: usize = 256;
pub fn sign_timestamp(
    _k: &sealkit::SigningKey,
    _d: &[u8; 32],
    _t: u64,
    _o: &mut [u8],
) -> Result<usize, sealkit::Error> {
    Err(sealkit::Error::BufferTooSmall)
}
