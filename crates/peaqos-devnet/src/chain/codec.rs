//! The compact form of a sealed block's transactions and receipts: one byte string per block,
//! LZ4-compressed, decoded again on read.
//!
//! Why: the devnet keeps every transaction and receipt. Decoded, each costs its structs plus a
//! heap allocation per log, per topic list and per data field; ABI calldata and logs are mostly
//! zeros and repeated words (selectors, addresses, ids). Encoded back to back and compressed,
//! a block costs a fraction of that in one allocation.
//!
//! Layout before compression (integers are LEB128 varints unless a width is given):
//!
//! ```text
//! tx count
//! per tx:   envelope length, EIP-2718 envelope, sender (20 bytes),
//!           flags (1 byte: bit 0 success, bit 1 has contract address),
//!           gas used, cumulative gas used, effective gas price, [contract address (20)],
//!           log count, per log: address (20), topic count (1 byte), topics (32 each),
//!                               data length, data
//! ```
//!
//! What the block already holds is not repeated: the transaction hashes (in its header's
//! list), its number and hash, each transaction's index and first log index (their position),
//! and each receipt's bloom (recomputed from its logs).

use alloy::{
    consensus::{Signed, TxEnvelope},
    eips::{Decodable2718, Encodable2718},
    primitives::{Address, B256, Bloom, Bytes, Log, LogData},
};

use super::types::{StoredBlock, StoredReceipt, StoredTx};

const SUCCESS: u8 = 1;
const HAS_CONTRACT: u8 = 2;

/// Why a stored block body could not be decoded. Bodies are only ever written by
/// [`encode_body`], so this means memory corruption or a bug, never outside input.
#[derive(Debug, thiserror::Error)]
#[error("corrupt stored block body: {0}")]
pub(crate) struct CorruptBody(String);

/// The compressed form of `txs`, the transactions of one sealed block in order.
pub(crate) fn encode_body(txs: &[StoredTx]) -> Box<[u8]> {
    let mut out = Vec::with_capacity(txs.len() * 256);
    put_varint(&mut out, txs.len() as u128);
    for tx in txs {
        put_varint(&mut out, tx.envelope.eip2718_encoded_length() as u128);
        tx.envelope.encode_2718(&mut out);
        out.extend_from_slice(tx.from.as_slice());
        let r = &tx.receipt;
        let mut flags = 0;
        if r.success {
            flags |= SUCCESS;
        }
        if r.contract_address.is_some() {
            flags |= HAS_CONTRACT;
        }
        out.push(flags);
        put_varint(&mut out, u128::from(r.gas_used));
        put_varint(&mut out, u128::from(r.cumulative_gas_used));
        put_varint(&mut out, r.effective_gas_price);
        if let Some(address) = r.contract_address {
            out.extend_from_slice(address.as_slice());
        }
        put_varint(&mut out, r.logs.len() as u128);
        for log in &r.logs {
            out.extend_from_slice(log.address.as_slice());
            let topics = log.topics();
            // At most four topics (LOG4), so one byte.
            out.push(topics.len() as u8);
            for topic in topics {
                out.extend_from_slice(topic.as_slice());
            }
            put_varint(&mut out, log.data.data.len() as u128);
            out.extend_from_slice(&log.data.data);
        }
    }
    lz4_flex::block::compress_prepend_size(&out).into_boxed_slice()
}

/// The transactions of `block` from its compressed body.
pub(crate) fn decode_body(block: &StoredBlock, body: &[u8]) -> Result<Vec<StoredTx>, CorruptBody> {
    let raw =
        lz4_flex::block::decompress_size_prepended(body).map_err(|e| CorruptBody(e.to_string()))?;
    let mut r = Reader(&raw);
    let count = r.len()?;
    if count != block.transactions.len() {
        return Err(CorruptBody(format!(
            "{count} transactions, the header lists {}",
            block.transactions.len()
        )));
    }
    let mut txs = Vec::with_capacity(count);
    let mut first_log_index = 0u64;
    for (index, hash) in block.transactions.iter().enumerate() {
        let len = r.len()?;
        let mut envelope_bytes = r.take(len)?;
        let envelope =
            TxEnvelope::decode_2718(&mut envelope_bytes).map_err(|e| CorruptBody(e.to_string()))?;
        let envelope = with_hash(envelope, *hash);
        let from = Address::from_slice(r.take(20)?);
        let flags = r.byte()?;
        let gas_used = r.u64()?;
        let cumulative_gas_used = r.u64()?;
        let effective_gas_price = r.varint()?;
        let contract_address = if flags & HAS_CONTRACT != 0 {
            Some(Address::from_slice(r.take(20)?))
        } else {
            None
        };
        let log_count = r.len()?;
        let mut logs = Vec::with_capacity(log_count);
        let mut logs_bloom = Bloom::default();
        for _ in 0..log_count {
            let log = r.log()?;
            logs_bloom.accrue_log(&log);
            logs.push(log);
        }
        txs.push(StoredTx {
            envelope,
            from,
            block_number: block.header.number,
            block_hash: block.hash,
            index: index as u64,
            receipt: StoredReceipt {
                success: flags & SUCCESS != 0,
                gas_used,
                cumulative_gas_used,
                effective_gas_price,
                contract_address,
                first_log_index,
                logs_bloom,
                logs,
            },
        });
        first_log_index += log_count as u64;
    }
    if !r.0.is_empty() {
        return Err(CorruptBody(format!("{} trailing bytes", r.0.len())));
    }
    Ok(txs)
}

/// A log as a block body holds it, borrowed: what a log query matches before it copies the
/// log into its answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogRef<'a> {
    /// The emitting contract.
    pub(crate) address: Address,
    /// Its topics.
    pub(crate) topics: &'a [B256],
    /// Its data.
    pub(crate) data: &'a [u8],
}

impl LogRef<'_> {
    /// An owned copy.
    pub(crate) fn to_log(self) -> Log {
        Log {
            address: self.address,
            data: LogData::new_unchecked(self.topics.to_vec(), Bytes::copy_from_slice(self.data)),
        }
    }
}

/// Calls `visit` with each log of a compressed body, the index of its transaction and its index
/// in the block, without decoding the transactions or copying the logs: a log query reads only
/// the logs, and copies only those it answers with. `buf` is reused between calls (one
/// allocation per query, not one per block).
pub(crate) fn visit_logs<E>(
    body: &[u8],
    buf: &mut Vec<u8>,
    mut visit: impl FnMut(usize, u64, LogRef<'_>) -> Result<(), E>,
) -> Result<Result<(), E>, CorruptBody> {
    let (size, compressed) = body
        .split_first_chunk::<4>()
        .ok_or_else(|| CorruptBody("no size".to_owned()))?;
    buf.clear();
    buf.resize(u32::from_le_bytes(*size) as usize, 0);
    let written = lz4_flex::block::decompress_into(compressed, buf)
        .map_err(|e| CorruptBody(e.to_string()))?;
    let mut r = Reader(&buf[..written]);
    let mut topics = Vec::with_capacity(4);
    let count = r.len()?;
    let mut log_index = 0u64;
    for tx_index in 0..count {
        let len = r.len()?;
        r.take(len + 20)?; // envelope, sender
        let flags = r.byte()?;
        r.varint()?; // gas used
        r.varint()?; // cumulative gas used
        r.varint()?; // effective gas price
        if flags & HAS_CONTRACT != 0 {
            r.take(20)?;
        }
        for _ in 0..r.len()? {
            let address = Address::from_slice(r.take(20)?);
            topics.clear();
            for _ in 0..r.byte()? {
                topics.push(B256::from_slice(r.take(32)?));
            }
            let data_len = r.len()?;
            let data = r.take(data_len)?;
            let log = LogRef {
                address,
                topics: &topics,
                data,
            };
            if let Err(e) = visit(tx_index, log_index, log) {
                return Ok(Err(e));
            }
            log_index += 1;
        }
    }
    Ok(Ok(()))
}

/// The envelope with its known hash set, so that reading its hash does not hash it again (a
/// Batch transaction's envelope is tens of kilobytes).
fn with_hash(envelope: TxEnvelope, hash: B256) -> TxEnvelope {
    fn rehash<T>(signed: Signed<T>, hash: B256) -> Signed<T> {
        let signature = *signed.signature();
        Signed::new_unchecked(signed.strip_signature(), signature, hash)
    }
    match envelope {
        TxEnvelope::Legacy(s) => TxEnvelope::Legacy(rehash(s, hash)),
        TxEnvelope::Eip2930(s) => TxEnvelope::Eip2930(rehash(s, hash)),
        TxEnvelope::Eip1559(s) => TxEnvelope::Eip1559(rehash(s, hash)),
        TxEnvelope::Eip4844(s) => TxEnvelope::Eip4844(rehash(s, hash)),
        TxEnvelope::Eip7702(s) => TxEnvelope::Eip7702(rehash(s, hash)),
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A cursor over a decompressed body.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CorruptBody> {
        if self.0.len() < n {
            return Err(CorruptBody(format!(
                "{n} bytes wanted, {} left",
                self.0.len()
            )));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, CorruptBody> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u128, CorruptBody> {
        let mut value = 0u128;
        for shift in (0..128).step_by(7) {
            let byte = self.byte()?;
            value |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(CorruptBody("varint longer than 128 bits".to_owned()))
    }

    fn u64(&mut self) -> Result<u64, CorruptBody> {
        u64::try_from(self.varint()?).map_err(|e| CorruptBody(e.to_string()))
    }

    fn len(&mut self) -> Result<usize, CorruptBody> {
        usize::try_from(self.varint()?).map_err(|e| CorruptBody(e.to_string()))
    }

    fn log(&mut self) -> Result<Log, CorruptBody> {
        let address = Address::from_slice(self.take(20)?);
        let topic_count = usize::from(self.byte()?);
        let mut topics = Vec::with_capacity(topic_count);
        for _ in 0..topic_count {
            topics.push(B256::from_slice(self.take(32)?));
        }
        let data_len = self.len()?;
        let data = Bytes::copy_from_slice(self.take(data_len)?);
        Ok(Log {
            address,
            data: LogData::new_unchecked(topics, data),
        })
    }
}
