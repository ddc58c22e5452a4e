//! A local LayerZero V2 route for the Machine NFT bridge: LayerZero's own `EndpointV2` and
//! `SimpleMessageLib` (prebuilt by LayerZero, copied from the npm package into
//! `artifacts/layerzero/`), deployed on two local chains and wired to `MachineNFTAdapter`
//! (peaq) and `MachineNFTBase` (Base).
//!
//! `SimpleMessageLib` has no DVNs: a packet is delivered when someone calls
//! `validatePacket(packet)` on the destination library (only the whitelisted caller may, when
//! one is set) and then `lzReceive` on the destination endpoint. The relayer that does this for
//! local chains lives in `peaqos-devnet` (`bridge` module). Endpoint ids are the real ones
//! ([`PEAQ_EID`], [`BASE_EID`]), so clients need no local special case.

use std::sync::OnceLock;

use alloy::{
    contract::CallBuilder,
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    providers::Provider,
    sol_types::SolValue,
};
use serde::Deserialize;

use crate::{
    bindings::{MachineNFTAdapter, MachineNFTBase},
    deploy::{DeployError, Runner},
};

pub use peaqos_types::constants::{BASE_LZ_EID as BASE_EID, PEAQ_LZ_EID as PEAQ_EID};
/// The native fee the local message libraries charge per packet (wei).
pub const LOCAL_NATIVE_FEE: u128 = 1_000_000_000_000;
/// Name of the bridged collection on Base.
pub const BASE_NFT_NAME: &str = "peaqOS Machine NFT";
/// Symbol of the bridged collection on Base.
pub const BASE_NFT_SYMBOL: &str = "PEAQMNFT";

#[allow(missing_docs, clippy::too_many_arguments)]
mod sol {
    alloy::sol! {
        /// The parts of LayerZero's `EndpointV2` the local route uses.
        #[sol(rpc)]
        #[derive(Debug)]
        interface ILocalEndpoint {
            struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }
            event PacketSent(bytes encodedPayload, bytes options, address sendLibrary);
            event PacketDelivered(Origin origin, address receiver);
            function eid() external view returns (uint32);
            function registerLibrary(address _lib) external;
            function setDefaultSendLibrary(uint32 _eid, address _newLib) external;
            function setDefaultReceiveLibrary(uint32 _eid, address _newLib, uint256 _gracePeriod) external;
            function lzReceive(Origin calldata _origin, address _receiver, bytes32 _guid, bytes calldata _message, bytes calldata _extraData) external payable;
            function inboundPayloadHash(address _receiver, uint32 _srcEid, bytes32 _sender, uint64 _nonce) external view returns (bytes32);
        }

        /// LayerZero's `SimpleMessageLib` (no DVNs: the whitelisted caller validates packets).
        #[sol(rpc)]
        #[derive(Debug)]
        interface ILocalMessageLib {
            function validatePacket(bytes calldata packetBytes) external;
            function setMessagingFee(uint256 _nativeFee, uint256 _lzTokenFee) external;
            function setWhitelistCaller(address _whitelistCaller) external;
            function whitelistCaller() external view returns (address);
        }
    }
}

pub use sol::{ILocalEndpoint, ILocalMessageLib};

/// The part of a LayerZero prebuilt artifact we deploy from: the creation bytecode.
#[derive(Debug, Deserialize)]
struct Prebuilt {
    bytecode: Bytes,
}

fn prebuilt(json: &'static str, cell: &'static OnceLock<Prebuilt>) -> &'static Bytes {
    &cell
        .get_or_init(|| {
            serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("committed LayerZero artifact does not parse: {e}"))
        })
        .bytecode
}

/// Creation bytecode of LayerZero's `EndpointV2` (constructor `(uint32 eid, address owner)`).
pub fn endpoint_bytecode() -> &'static Bytes {
    static CELL: OnceLock<Prebuilt> = OnceLock::new();
    prebuilt(
        include_str!("../artifacts/layerzero/EndpointV2.json"),
        &CELL,
    )
}

/// Creation bytecode of LayerZero's `SimpleMessageLib` (constructor `(address endpoint,
/// address treasury)`).
pub fn message_lib_bytecode() -> &'static Bytes {
    static CELL: OnceLock<Prebuilt> = OnceLock::new();
    prebuilt(
        include_str!("../artifacts/layerzero/SimpleMessageLib.json"),
        &CELL,
    )
}

/// One chain's end of a local LayerZero route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalEndpoint {
    /// The endpoint id.
    pub eid: u32,
    /// `EndpointV2`.
    pub endpoint: Address,
    /// `SimpleMessageLib`, the default send and receive library for the remote chain.
    pub message_lib: Address,
}

/// Both ends of a local Machine NFT bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalBridgeDeployment {
    /// The peaq side: endpoint ([`PEAQ_EID`]) and library.
    pub peaq: LocalEndpoint,
    /// The Base side: endpoint ([`BASE_EID`]) and library.
    pub base: LocalEndpoint,
    /// `MachineNFTAdapter` on peaq (lock/unlock).
    pub adapter: Address,
    /// `MachineNFTBase` on Base (burn/mint).
    pub base_nft: Address,
}

/// Deploys `EndpointV2(eid, owner)` and a `SimpleMessageLib` on the chain behind `provider`,
/// registers the library and makes it the default send and receive library towards
/// `remote_eid`. `relayer` becomes the only account allowed to validate packets.
pub async fn deploy_local_endpoint<P: Provider>(
    provider: &P,
    eid: u32,
    remote_eid: u32,
    owner: Address,
    relayer: Address,
) -> Result<LocalEndpoint, DeployError> {
    let run = Runner::quiet(provider);
    let mut code = endpoint_bytecode().to_vec();
    code.extend_from_slice(&(eid, owner).abi_encode_params());
    let (endpoint, _) = run
        .create(
            "deploy LayerZero EndpointV2",
            CallBuilder::new_raw_deploy(provider, code.into()),
        )
        .await?;
    let mut code = message_lib_bytecode().to_vec();
    code.extend_from_slice(&(endpoint, owner).abi_encode_params());
    let (message_lib, _) = run
        .create(
            "deploy LayerZero SimpleMessageLib",
            CallBuilder::new_raw_deploy(provider, code.into()),
        )
        .await?;

    let ep = ILocalEndpoint::new(endpoint, provider);
    let lib = ILocalMessageLib::new(message_lib, provider);
    run.send(
        "register the message library",
        ep.registerLibrary(message_lib),
    )
    .await?;
    run.send(
        "set the default send library",
        ep.setDefaultSendLibrary(remote_eid, message_lib),
    )
    .await?;
    run.send(
        "set the default receive library",
        ep.setDefaultReceiveLibrary(remote_eid, message_lib, U256::ZERO),
    )
    .await?;
    run.send(
        "set the messaging fee",
        lib.setMessagingFee(U256::from(LOCAL_NATIVE_FEE), U256::ZERO),
    )
    .await?;
    run.send("whitelist the relayer", lib.setWhitelistCaller(relayer))
        .await?;
    Ok(LocalEndpoint {
        eid,
        endpoint,
        message_lib,
    })
}

/// Deploys a complete local bridge: an endpoint on each chain, `MachineNFTAdapter` for
/// `machine_nft` on peaq, `MachineNFTBase` on Base (token URIs under `base_uri`), and the peers
/// set both ways. `peaq_owner` / `base_owner` are the accounts that sign for each provider and
/// own what is deployed there; `relayer` is the account the relayer signs with on both chains.
pub async fn deploy_local_bridge<P: Provider, Q: Provider>(
    (peaq, peaq_owner): (&P, Address),
    (base, base_owner): (&Q, Address),
    machine_nft: Address,
    base_uri: &str,
    relayer: Address,
) -> Result<LocalBridgeDeployment, DeployError> {
    let peaq_end = deploy_local_endpoint(peaq, PEAQ_EID, BASE_EID, peaq_owner, relayer).await?;
    let base_end = deploy_local_endpoint(base, BASE_EID, PEAQ_EID, base_owner, relayer).await?;

    let run_peaq = Runner::quiet(peaq);
    let run_base = Runner::quiet(base);
    let (adapter, _) = run_peaq
        .create(
            "deploy MachineNFTAdapter",
            MachineNFTAdapter::deploy_builder(peaq, machine_nft, peaq_end.endpoint, peaq_owner),
        )
        .await?;
    let (base_nft, _) = run_base
        .create(
            "deploy MachineNFTBase",
            MachineNFTBase::deploy_builder(
                base,
                BASE_NFT_NAME.to_owned(),
                BASE_NFT_SYMBOL.to_owned(),
                base_end.endpoint,
                base_owner,
            ),
        )
        .await?;
    let base_contract = MachineNFTBase::new(base_nft, base);
    run_base
        .send(
            "set the Base token URI",
            base_contract.setBaseURI(base_uri.to_owned()),
        )
        .await?;
    run_peaq
        .send(
            "peer the adapter with Base",
            MachineNFTAdapter::new(adapter, peaq).setPeer(BASE_EID, address_to_bytes32(base_nft)),
        )
        .await?;
    run_base
        .send(
            "peer Base with the adapter",
            base_contract.setPeer(PEAQ_EID, address_to_bytes32(adapter)),
        )
        .await?;
    Ok(LocalBridgeDeployment {
        peaq: peaq_end,
        base: base_end,
        adapter,
        base_nft,
    })
}

/// An EVM address as LayerZero's `bytes32` (12 zero bytes, then the address).
pub fn address_to_bytes32(address: Address) -> B256 {
    address.into_word()
}

/// The parts of a LayerZero V1 packet (`PacketV1Codec`) that delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Per-path nonce.
    pub nonce: u64,
    /// Source endpoint id.
    pub src_eid: u32,
    /// Sending OApp, as bytes32.
    pub sender: B256,
    /// Destination endpoint id.
    pub dst_eid: u32,
    /// Receiving OApp.
    pub receiver: Address,
    /// Globally unique id.
    pub guid: B256,
    /// The OApp message.
    pub message: Bytes,
}

/// The error of decoding a packet that is not `PacketV1Codec` version 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed LayerZero packet: {0}")]
pub struct MalformedPacket(pub &'static str);

impl Packet {
    /// Header length: version 1, nonce 8, srcEid 4, sender 32, dstEid 4, receiver 32.
    const HEADER: usize = 81;

    /// Decodes an encoded packet (the `encodedPayload` of `PacketSent`).
    pub fn decode(bytes: &[u8]) -> Result<Self, MalformedPacket> {
        if bytes.len() < Self::HEADER + 32 {
            return Err(MalformedPacket("shorter than header and guid"));
        }
        if bytes[0] != 1 {
            return Err(MalformedPacket("not packet version 1"));
        }
        let be_u64 = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        };
        let receiver_word = B256::from_slice(&bytes[49..81]);
        Ok(Self {
            nonce: be_u64(1..9),
            src_eid: u32::try_from(be_u64(9..13)).map_err(|_| MalformedPacket("srcEid"))?,
            sender: B256::from_slice(&bytes[13..45]),
            dst_eid: u32::try_from(be_u64(45..49)).map_err(|_| MalformedPacket("dstEid"))?,
            receiver: Address::from_word(receiver_word),
            guid: FixedBytes::from_slice(&bytes[81..113]),
            message: Bytes::copy_from_slice(&bytes[113..]),
        })
    }
}
