//! The 25 service types of `peaq_ros2_interfaces`, field for field in `.srv` (= CDR) order.
//!
//! Each struct is declared once through [`ros_struct!`], which also records its field list as
//! ROS types ([`RosStruct::FIELDS`]); `tests/interfaces.rs` parses
//! `ros2/peaq_ros2_interfaces/srv/*.srv` and compares names, types and order, so the Rust types
//! and the files colcon builds cannot drift apart.

use ros2_client::Message;
use serde::{Deserialize, Serialize};

/// The interface package every type lives in.
pub const PACKAGE: &str = "peaq_ros2_interfaces";

/// A Rust type that maps to one ROS IDL field type.
pub trait RosField {
    /// The `.srv` spelling (`string`, `uint64`, `uint64[]`, …).
    const ROS_TYPE: &'static str;
}

impl RosField for String {
    const ROS_TYPE: &'static str = "string";
}
impl RosField for bool {
    const ROS_TYPE: &'static str = "bool";
}
impl RosField for u8 {
    const ROS_TYPE: &'static str = "uint8";
}
impl RosField for u64 {
    const ROS_TYPE: &'static str = "uint64";
}
impl RosField for Vec<u64> {
    const ROS_TYPE: &'static str = "uint64[]";
}

/// A request or response struct: its fields as (name, ROS type), in CDR order.
pub trait RosStruct {
    /// The fields in declaration order.
    const FIELDS: &'static [(&'static str, &'static str)];
}

/// The member rosidl gives a struct without fields (PeaqosListWallets' request): one `uint8`.
pub const EMPTY_STRUCT_MEMBER: &str = "structure_needs_at_least_one_member";

/// The status tail of a response (§3 of the interface reference): how a failure is reported.
pub trait ResponseTail: Default {
    /// `success = true`, error fields empty.
    fn succeed(&mut self);
    /// `success = false` with the code, field and message (where the tail has them).
    fn fail(code: &str, field: &str, message: &str) -> Self;
}

/// A service type: its name and request/response types.
pub trait RosService {
    /// `Peaqos…` (the package is [`PACKAGE`]).
    const TYPE_NAME: &'static str;
    /// The request.
    type Request: Message + RosStruct + Clone + Send + Sync + std::fmt::Debug + 'static;
    /// The response.
    type Response: Message
        + RosStruct
        + ResponseTail
        + Clone
        + Send
        + Sync
        + std::fmt::Debug
        + 'static;
}

macro_rules! ros_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
        }
        impl Message for $name {}
        impl RosStruct for $name {
            const FIELDS: &'static [(&'static str, &'static str)] =
                &[$((stringify!($field), <$ty as RosField>::ROS_TYPE)),*];
        }
    };
}

/// Declares a service: request struct, response struct with its tail (A, B or C), type.
macro_rules! ros_service {
    ($(#[$m:meta])* $svc:ident, $req:ident { $($rqf:tt)* }, $resp:ident { $($rsf:tt)* }, tail A) => {
        ros_struct!(#[doc = concat!("Request of `", stringify!($svc), "`.")] $req { $($rqf)* });
        ros_struct!(#[doc = concat!("Response of `", stringify!($svc), "` (tail A).")] $resp {
            $($rsf)*
            /// True when the call succeeded.
            success: bool,
            /// The failure, empty on success.
            error: String,
        });
        impl ResponseTail for $resp {
            fn succeed(&mut self) { self.success = true; self.error.clear(); }
            fn fail(_code: &str, _field: &str, message: &str) -> Self {
                Self { error: message.to_owned(), ..Self::default() }
            }
        }
        ros_service!(@svc $(#[$m])* $svc, $req, $resp);
    };
    ($(#[$m:meta])* $svc:ident, $req:ident { $($rqf:tt)* }, $resp:ident { $($rsf:tt)* }, tail B) => {
        ros_struct!(#[doc = concat!("Request of `", stringify!($svc), "`.")] $req { $($rqf)* });
        ros_struct!(#[doc = concat!("Response of `", stringify!($svc), "` (tail B).")] $resp {
            $($rsf)*
            /// True when the call succeeded.
            success: bool,
            /// The stable error code, empty on success.
            error_code: String,
            /// The failure, empty on success.
            error: String,
        });
        impl ResponseTail for $resp {
            fn succeed(&mut self) { self.success = true; self.error_code.clear(); self.error.clear(); }
            fn fail(code: &str, _field: &str, message: &str) -> Self {
                Self { error_code: code.to_owned(), error: message.to_owned(), ..Self::default() }
            }
        }
        ros_service!(@svc $(#[$m])* $svc, $req, $resp);
    };
    ($(#[$m:meta])* $svc:ident, $req:ident { $($rqf:tt)* }, $resp:ident { $($rsf:tt)* }, tail C) => {
        ros_struct!(#[doc = concat!("Request of `", stringify!($svc), "`.")] $req { $($rqf)* });
        ros_struct!(#[doc = concat!("Response of `", stringify!($svc), "` (tail C).")] $resp {
            $($rsf)*
            /// True when the call succeeded.
            success: bool,
            /// The stable error code, empty on success.
            error_code: String,
            /// The request field at fault, when known.
            error_field: String,
            /// The failure, empty on success.
            error: String,
        });
        impl ResponseTail for $resp {
            fn succeed(&mut self) {
                self.success = true; self.error_code.clear(); self.error_field.clear(); self.error.clear();
            }
            fn fail(code: &str, field: &str, message: &str) -> Self {
                Self {
                    error_code: code.to_owned(), error_field: field.to_owned(),
                    error: message.to_owned(), ..Self::default()
                }
            }
        }
        ros_service!(@svc $(#[$m])* $svc, $req, $resp);
    };
    (@svc $(#[$m:meta])* $svc:ident, $req:ident, $resp:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $svc;
        impl RosService for $svc {
            const TYPE_NAME: &'static str = stringify!($svc);
            type Request = $req;
            type Response = $resp;
        }
    };
}

ros_service!(
    /// `wallet/create`: a new local wallet.
    PeaqosCreateWallet,
    CreateWalletRequest { /// Label (empty → `machine_wallet`).
        label: String },
    CreateWalletResponse { /// The checksummed address.
        address: String, },
    tail A
);
ros_service!(
    /// `wallet/list`: public metadata of every local wallet.
    PeaqosListWallets,
    ListWalletsRequest { /// rosidl's placeholder member of an empty struct (always 0).
        structure_needs_at_least_one_member: u8 },
    ListWalletsResponse { /// JSON array, sorted keys, sorted by (label, address).
        wallets_json: String, },
    tail A
);
ros_service!(
    /// `wallet/get`: one wallet's public metadata.
    PeaqosGetWallet,
    GetWalletRequest { /// The wallet address.
        address: String },
    GetWalletResponse { /// JSON object, sorted keys.
        wallet_json: String, },
    tail A
);
ros_service!(
    /// `wallet/delete`: removes a local wallet.
    PeaqosDeleteWallet,
    DeleteWalletRequest { /// The wallet address.
        address: String },
    DeleteWalletResponse { /// False when there was no such wallet.
        deleted: bool, },
    tail A
);
ros_service!(
    /// `faucet/setup_2fa`: Gas Station 2FA enrollment.
    PeaqosSetupFaucet2FA,
    SetupFaucet2FaRequest { /// Owner (empty → `defaults.owner_address`).
        owner_address: String, /// `svg` or `png` (empty → config).
        qr_format: String },
    SetupFaucet2FaResponse { /// The owner.
        owner_address: String, /// The `otpauth://` URI.
        otpauth_uri: String, /// The QR image URL.
        qr_image_url: String, },
    tail B
);
ros_service!(
    /// `faucet/confirm_2fa`: Gas Station 2FA confirmation.
    PeaqosConfirmFaucet2FA,
    ConfirmFaucet2FaRequest { /// Owner (empty → `defaults.owner_address`).
        owner_address: String, /// The TOTP code (never logged).
        two_factor_code: String },
    ConfirmFaucet2FaResponse {},
    tail B
);
ros_service!(
    /// `wallet/fund`: Gas Station funding.
    PeaqosFundWallet,
    FundWalletRequest {
        /// Owner (empty → `defaults.owner_address`).
        owner_address: String,
        /// The wallet to fund.
        target_address: String,
        /// Chain (empty → `peaq`).
        chain_id: String,
        /// The TOTP code (never logged).
        two_factor_code: String,
        /// Idempotency key (empty → a new UUID4).
        request_id: String,
    },
    FundWalletResponse {
        /// `success` or `skipped`.
        status: String,
        /// The idempotency key used.
        request_id: String,
        /// The funding transaction.
        tx_hash: String,
        /// Amount sent (wei).
        funded_amount: String,
        /// Balance after (wei).
        current_balance: String,
        /// The Gas Station's minimum (wei).
        min_gas_balance: String,
    },
    tail B
);
ros_service!(
    /// `agent/register` (alias of `machine/register`).
    PeaqosRegisterAgent,
    RegisterAgentRequest { /// Local wallet that registers (empty → `defaults.machine_address`).
        address: String },
    RegisterAgentResponse { /// IdentityRegistry machine id.
        machine_id: u64, },
    tail B
);
ros_service!(
    /// `machine/register`: self-registration.
    PeaqosRegisterMachine,
    RegisterMachineRequest { /// Local wallet that registers (empty → `defaults.machine_address`).
        address: String },
    RegisterMachineResponse { /// IdentityRegistry machine id.
        machine_id: u64, },
    tail B
);
ros_service!(
    /// `machine/register_for` and `agent/register_for`: a proxy registers a machine.
    PeaqosRegisterFor,
    RegisterForRequest { /// Local proxy wallet (empty → `defaults.proxy_address`).
        proxy_address: String, /// The machine (need not be local).
        machine_address: String },
    RegisterForResponse { /// IdentityRegistry machine id.
        machine_id: u64, },
    tail B
);
ros_service!(
    /// `nft/mint`.
    PeaqosMintNft,
    MintNftRequest { /// Local signer (empty → proxy, then machine default).
        signer_address: String, /// Machine id.
        machine_id: u64, /// Recipient (empty → the signer).
        recipient: String },
    MintNftResponse { /// Transaction hash.
        tx_hash: String, },
    tail C
);
ros_service!(
    /// `nft/token_id_of`.
    PeaqosTokenIdOf,
    TokenIdOfRequest { /// Local signer (empty → proxy, then machine default).
        signer_address: String, /// Machine id.
        machine_id: u64 },
    TokenIdOfResponse { /// Machine NFT token id.
        token_id: u64, },
    tail C
);
ros_service!(
    /// `did/read_attribute`.
    PeaqosReadDidAttribute,
    ReadDidAttributeRequest { /// Local signer (empty → machine default).
        signer_address: String, /// `0x…` or `did:peaq:0x…`.
        did_address: String, /// Attribute name.
        name: String },
    ReadDidAttributeResponse {
        /// Attribute name.
        attribute_name: String,
        /// Value as text.
        value: String,
        /// Validity (0 when absent).
        validity: u64,
        /// Creation time (0 when absent).
        created: u64,
    },
    tail C
);
ros_service!(
    /// `did/write_machine_attributes`.
    PeaqosWriteMachineDidAttributes,
    WriteMachineDidAttributesRequest {
        /// Local signer (empty → machine default).
        signer_address: String,
        /// Machine id.
        machine_id: u64,
        /// Machine NFT token id (> 0).
        nft_token_id: u64,
        /// Operator DID.
        operator_did: String,
        /// Documentation URL.
        documentation_url: String,
        /// Data API URL.
        data_api: String,
        /// `public`, `private` or `onchain`.
        data_visibility: String,
    },
    WriteMachineDidAttributesResponse { /// Transaction hash.
        tx_hash: String, },
    tail C
);
ros_service!(
    /// `did/write_proxy_attributes`.
    PeaqosWriteProxyDidAttributes,
    WriteProxyDidAttributesRequest { /// Local signer (empty → proxy, then machine default).
        signer_address: String, /// The proxy's machine id.
        proxy_agent_id: u64, /// The machines it operates.
        machine_ids: Vec<u64> },
    WriteProxyDidAttributesResponse { /// Transaction hash.
        tx_hash: String, },
    tail C
);
ros_service!(
    /// `events/validate`: validation and data hash, no transaction.
    PeaqosValidateEvent,
    ValidateEventRequest {
        /// Machine id.
        machine_id: u64,
        /// 0 revenue, 1 activity.
        event_type: u8,
        /// Value.
        value: u64,
        /// Unix seconds.
        timestamp: u64,
        /// Raw data, hex (`0x` optional; empty = none).
        raw_data_hex: String,
        /// Trust level 0–2.
        trust_level: u8,
        /// Source chain id.
        source_chain_id: u64,
        /// Source transaction (empty = none).
        source_tx_hash: String,
        /// Metadata, hex.
        metadata_hex: String,
    },
    ValidateEventResponse { /// keccak-256 of the raw data, `0x`-hex.
        data_hash: String, },
    tail C
);
ros_service!(
    /// `events/submit`.
    PeaqosSubmitEvent,
    SubmitEventRequest {
        /// Local signer (empty → machine default; the stream agent's pattern).
        signer_address: String,
        /// Machine id.
        machine_id: u64,
        /// 0 revenue, 1 activity.
        event_type: u8,
        /// Value.
        value: u64,
        /// Unix seconds.
        timestamp: u64,
        /// Raw data, hex (`0x` optional; empty = none).
        raw_data_hex: String,
        /// Trust level 0–2.
        trust_level: u8,
        /// Source chain id.
        source_chain_id: u64,
        /// Source transaction (empty = none).
        source_tx_hash: String,
        /// Metadata, hex.
        metadata_hex: String,
    },
    SubmitEventResponse { /// Transaction hash.
        tx_hash: String, /// Data hash.
        data_hash: String, },
    tail C
);
ros_service!(
    /// `events/batch_submit`.
    PeaqosBatchSubmitEvents,
    BatchSubmitEventsRequest { /// Local signer (empty → machine default).
        signer_address: String, /// JSON array of event objects.
        events_json: String },
    BatchSubmitEventsResponse { /// JSON array of transaction hashes.
        tx_hashes_json: String, },
    tail C
);
ros_service!(
    /// `mcr/query`.
    PeaqosQueryMcr,
    QueryMcrRequest { /// `did:peaq:0x…`.
        did: String },
    QueryMcrResponse { /// The API's JSON body, sorted keys.
        result_json: String, },
    tail C
);
ros_service!(
    /// `mcr/machine`.
    PeaqosQueryMachine,
    QueryMachineRequest { /// `did:peaq:0x…`.
        did: String },
    QueryMachineResponse { /// The API's JSON body, sorted keys.
        result_json: String, },
    tail C
);
ros_service!(
    /// `mcr/operator_machines`.
    PeaqosQueryOperatorMachines,
    QueryOperatorMachinesRequest { /// `did:peaq:0x…`.
        did: String },
    QueryOperatorMachinesResponse { /// The API's JSON body, sorted keys.
        result_json: String, },
    tail C
);
ros_service!(
    /// `smart_account/address`.
    PeaqosGetSmartAccountAddress,
    GetSmartAccountAddressRequest {
        /// Local signer (empty → proxy, then machine default).
        signer_address: String,
        /// Owner (empty → the signer).
        owner: String,
        /// Machine (empty → `defaults.machine_address`).
        machine: String,
        /// Legacy, ignored.
        daily_limit: String,
        /// Salt, unsigned integer text.
        salt: String,
    },
    GetSmartAccountAddressResponse { /// The account address.
        address: String, },
    tail C
);
ros_service!(
    /// `smart_account/deploy`.
    PeaqosDeploySmartAccount,
    DeploySmartAccountRequest {
        /// Local signer (empty → proxy, then machine default).
        signer_address: String,
        /// Owner (empty → the signer).
        owner: String,
        /// Machine (empty → `defaults.machine_address`).
        machine: String,
        /// Legacy, ignored.
        daily_limit: String,
        /// Salt, unsigned integer text.
        salt: String,
    },
    DeploySmartAccountResponse { /// The deployed account address.
        address: String, },
    tail C
);
ros_service!(
    /// `bridge/nft`.
    PeaqosBridgeNft,
    BridgeNftRequest {
        /// Local signer (empty → proxy, then machine default).
        signer_address: String,
        /// Machine NFT token id.
        token_id: u64,
        /// `peaq` or `base`.
        source: String,
        /// `peaq` or `base`.
        destination: String,
        /// Owner on the destination.
        recipient: String,
        /// Base RPC (source `base` only).
        base_rpc_url: String,
        /// Base MachineNFT (source `base` only).
        base_nft_address: String,
        /// LayerZero options, hex (empty → type-3 default).
        options_hex: String,
    },
    BridgeNftResponse { /// Transaction hash.
        tx_hash: String, },
    tail C
);
ros_service!(
    /// `bridge/wait_arrival`.
    PeaqosWaitForBridgeArrival,
    WaitForBridgeArrivalRequest {
        /// Destination RPC.
        dst_rpc_url: String,
        /// Destination NFT contract.
        dst_nft_address: String,
        /// Token id.
        token_id: u64,
        /// Seconds (0 → 300, else > 60).
        timeout: u64,
    },
    WaitForBridgeArrivalResponse { /// True when an owner exists on the destination.
        arrived: bool, },
    tail C
);

/// One endpoint: its service name relative to the node, and its type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// `<group>/<op>`.
    pub name: &'static str,
    /// `Peaqos…`.
    pub type_name: &'static str,
}

macro_rules! endpoints {
    ($($name:literal => $svc:ident),* $(,)?) => {
        /// The 26 endpoints of `/peaqos_node` (24 canonical + 2 agent aliases).
        pub const ENDPOINTS: &[Endpoint] = &[$(Endpoint { name: $name, type_name: <$svc as RosService>::TYPE_NAME }),*];
    };
}

endpoints!(
    "wallet/create" => PeaqosCreateWallet,
    "wallet/list" => PeaqosListWallets,
    "wallet/get" => PeaqosGetWallet,
    "wallet/delete" => PeaqosDeleteWallet,
    "faucet/setup_2fa" => PeaqosSetupFaucet2FA,
    "faucet/confirm_2fa" => PeaqosConfirmFaucet2FA,
    "wallet/fund" => PeaqosFundWallet,
    "machine/register" => PeaqosRegisterMachine,
    "agent/register" => PeaqosRegisterAgent,
    "machine/register_for" => PeaqosRegisterFor,
    "agent/register_for" => PeaqosRegisterFor,
    "nft/mint" => PeaqosMintNft,
    "nft/token_id_of" => PeaqosTokenIdOf,
    "did/read_attribute" => PeaqosReadDidAttribute,
    "did/write_machine_attributes" => PeaqosWriteMachineDidAttributes,
    "did/write_proxy_attributes" => PeaqosWriteProxyDidAttributes,
    "events/validate" => PeaqosValidateEvent,
    "events/submit" => PeaqosSubmitEvent,
    "events/batch_submit" => PeaqosBatchSubmitEvents,
    "mcr/query" => PeaqosQueryMcr,
    "mcr/machine" => PeaqosQueryMachine,
    "mcr/operator_machines" => PeaqosQueryOperatorMachines,
    "smart_account/address" => PeaqosGetSmartAccountAddress,
    "smart_account/deploy" => PeaqosDeploySmartAccount,
    "bridge/nft" => PeaqosBridgeNft,
    "bridge/wait_arrival" => PeaqosWaitForBridgeArrival,
);

/// A struct's fields as (name, ROS type).
pub type Fields = &'static [(&'static str, &'static str)];

/// Every service type with its request and response fields, for the drift test.
pub fn service_fields() -> Vec<(&'static str, Fields, Fields)> {
    macro_rules! all {
        ($($svc:ident),*) => {
            vec![$((
                <$svc as RosService>::TYPE_NAME,
                <<$svc as RosService>::Request as RosStruct>::FIELDS,
                <<$svc as RosService>::Response as RosStruct>::FIELDS,
            )),*]
        };
    }
    all!(
        PeaqosCreateWallet,
        PeaqosListWallets,
        PeaqosGetWallet,
        PeaqosDeleteWallet,
        PeaqosSetupFaucet2FA,
        PeaqosConfirmFaucet2FA,
        PeaqosFundWallet,
        PeaqosRegisterAgent,
        PeaqosRegisterMachine,
        PeaqosRegisterFor,
        PeaqosMintNft,
        PeaqosTokenIdOf,
        PeaqosReadDidAttribute,
        PeaqosWriteMachineDidAttributes,
        PeaqosWriteProxyDidAttributes,
        PeaqosValidateEvent,
        PeaqosSubmitEvent,
        PeaqosBatchSubmitEvents,
        PeaqosQueryMcr,
        PeaqosQueryMachine,
        PeaqosQueryOperatorMachines,
        PeaqosGetSmartAccountAddress,
        PeaqosDeploySmartAccount,
        PeaqosBridgeNft,
        PeaqosWaitForBridgeArrival
    )
}
