//! The node as a wallet for its dev accounts (and impersonated ones), as anvil: it fills in and
//! signs `eth_sendTransaction`, and signs messages (`eth_sign`, `personal_sign`) and EIP-712
//! typed data (`eth_signTypedData_v4`).

use alloy::{
    consensus::TxEnvelope,
    dyn_abi::TypedData,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, Signature, TxKind, U256},
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
};
use serde::{Deserialize, Deserializer};

use super::{RpcError, codes};
use crate::{chain::Chain, node::Node};

/// The tip `eth_sendTransaction` offers when none is given (1 gwei, as `eth_maxPriorityFeePerGas`).
pub const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;

/// anvil's answer for an address the node holds no key for and does not impersonate.
fn no_signer() -> RpcError {
    RpcError::new(codes::SERVER_ERROR, "No Signer available")
}

/// The key of a dev account.
fn signer(node: &Node, address: Address) -> Option<PrivateKeySigner> {
    node.accounts()
        .iter()
        .find(|a| a.address == address)
        .map(crate::accounts::DevAccount::signer)
}

/// `eth_sendTransaction`: fills in what is missing (sender: dev account 0; nonce; gas by
/// estimate; EIP-1559 fees unless `gasPrice` is given), signs with the dev key (or, for an
/// impersonated account, with a placeholder signature) and submits it.
pub fn send_transaction(
    chain: &mut Chain,
    node: &Node,
    mut req: TransactionRequest,
) -> Result<B256, RpcError> {
    let from = match req.from {
        Some(from) => from,
        None => node
            .accounts()
            .first()
            .map(|a| a.address)
            .ok_or_else(no_signer)?,
    };
    req.from = Some(from);
    let key = signer(node, from);
    if key.is_none() && !node.is_impersonated(from) {
        return Err(no_signer());
    }
    req.chain_id = Some(chain.config().chain_id);
    if req.nonce.is_none() {
        // Pending transactions are already executed into the state: this is the pending nonce.
        req.nonce = Some(chain.nonce(from));
    }
    if req.to.is_none() {
        req.to = Some(TxKind::Create);
    }
    if req.gas.is_none() {
        req.gas = Some(chain.estimate_gas(&req)?);
    }
    if req.gas_price.is_none() {
        let tip = req.max_priority_fee_per_gas.unwrap_or(DEFAULT_PRIORITY_FEE);
        req.max_priority_fee_per_gas = Some(tip);
        if req.max_fee_per_gas.is_none() {
            // Room for the base fee to double, as alloy's and viem's fillers leave.
            req.max_fee_per_gas = Some(u128::from(chain.next_base_fee()) * 2 + tip);
        }
    }
    let tx = req
        .build_typed_tx()
        .map_err(|_| RpcError::params("invalid params: the transaction cannot be built"))?;
    let envelope: TxEnvelope = match key {
        Some(key) => {
            let mut tx = tx;
            let signature = key
                .sign_transaction_sync(&mut tx)
                .map_err(|e| RpcError::new(codes::SERVER_ERROR, e.to_string()))?;
            tx.into_envelope(signature)
        }
        // anvil's placeholder: distinct per sender, never a valid signature of it.
        None => tx.into_envelope(Signature::new(
            U256::from_be_slice(from.as_slice()),
            U256::from(1),
            false,
        )),
    };
    Ok(chain.submit(envelope, from, node.automine())?)
}

/// `eth_sign(address, data)` / `personal_sign(data, address)`: an EIP-191 signature.
pub fn sign_message(node: &Node, address: Address, data: &[u8]) -> Result<Bytes, RpcError> {
    let key = signer(node, address).ok_or_else(no_signer)?;
    let signature = key
        .sign_message_sync(data)
        .map_err(|e| RpcError::new(codes::SERVER_ERROR, e.to_string()))?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

/// `eth_signTypedData_v4(address, typedData)`: an EIP-712 signature.
pub fn sign_typed_data(
    node: &Node,
    address: Address,
    data: &TypedDataParam,
) -> Result<Bytes, RpcError> {
    let key = signer(node, address).ok_or_else(no_signer)?;
    let hash = data
        .0
        .eip712_signing_hash()
        .map_err(|e| RpcError::params(format!("invalid params: typed data: {e}")))?;
    let signature = key
        .sign_hash_sync(&hash)
        .map_err(|e| RpcError::new(codes::SERVER_ERROR, e.to_string()))?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

/// EIP-712 typed data as an object or as a JSON string of one (MetaMask and viem send either).
#[derive(Debug, Clone)]
pub struct TypedDataParam(pub Box<TypedData>);

impl<'de> Deserialize<'de> for TypedDataParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Object(Box<TypedData>),
            Text(String),
        }
        match Either::deserialize(deserializer)? {
            Either::Object(data) => Ok(Self(data)),
            Either::Text(text) => serde_json::from_str(&text)
                .map(Self)
                .map_err(serde::de::Error::custom),
        }
    }
}
