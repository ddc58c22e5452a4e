// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IIdentityStaking} from "./interfaces/IIdentityStaking.sol";
import {IWPEAQ} from "./interfaces/IWPEAQ.sol";

/// @title IdentityRegistry: machine identities of peaqOS.
/// @notice Registers a machine with a bond, mints its soulbound Identity NFT
/// (`tokenId == machineId`) to the machine address, and tracks status and operator.
/// The ERC-8004-style `tokenURI` is `baseURI + machineId` (the Machine Card).
/// @dev UUPS proxy, ERC-7201 storage. The bond (`msg.value == minBond`) goes
/// `WPEAQ.deposit` -> `approve(staking)` -> `IdentityStaking.stakeFor` (which pulls it), a
/// path that works on peaq's WPEAQ precompile (deposit refunds) and on a WETH9-style token.
contract IdentityRegistry is Initializable, ERC721Upgradeable, OwnableUpgradeable, UUPSUpgradeable, ReentrancyGuard {
    using SafeERC20 for IWPEAQ;

    /// Machine status: 0 None, 1 Pending, 2 Verified, 3 Rejected, 4 Deactivated.
    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_PENDING = 1;
    uint8 internal constant STATUS_VERIFIED = 2;
    uint8 internal constant STATUS_REJECTED = 3;
    uint8 internal constant STATUS_DEACTIVATED = 4;

    /// @notice The lowest bond `setMinBond` accepts (0.1 PEAQ).
    uint256 public constant MIN_BOND_FLOOR = 0.1 ether;
    uint256 internal constant DEFAULT_MIN_BOND = 1 ether;
    address internal constant DID_PRECOMPILE = 0x0000000000000000000000000000000000000800;
    address internal constant WPEAQ_PRECOMPILE = 0x0000000000000000000000000000000000000809;

    /// @dev One slot for what every authorization check reads (wallet, status), one for the operator.
    struct Machine {
        address wallet;
        uint8 status;
        uint8 statusBeforeDeactivation;
        address operator;
    }

    /// @custom:storage-location erc7201:peaqos.storage.IdentityRegistry
    struct RegistryStorage {
        uint256 nextMachineId;
        uint256 minBond;
        address identityStaking;
        address wpeaq;
        address didPrecompile;
        string baseURI;
        mapping(uint256 machineId => Machine) machines;
        mapping(address wallet => uint256 machineId) machineIdOf;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.IdentityRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x94be898d13b0f755536e61eeea461247b00822556f7ad9c58d30311f6f471c00;

    event Registered(uint256 indexed machineId, string machineURI, address indexed owner);
    event OperatorSet(uint256 indexed machineId, address indexed operator);
    event MachineVerified(uint256 indexed machineId);
    event MachineRejected(uint256 indexed machineId);
    event MachineDeactivated(uint256 indexed machineId, address indexed owner);
    event MachineReactivated(uint256 indexed machineId, address indexed owner);
    event MinBondChanged(uint256 indexed newMinBond);
    event IdentityStakingSet(address indexed staking);
    event WPEAQSet(address indexed wpeaq);
    event BaseURISet(string newBaseURI);
    /// @notice Extra to the deployed ABI: the DID precompile address changed.
    event DIDPrecompileSet(address indexed did);

    error AlreadyRegistered();
    error BondBelowFloor();
    error BondNotRequired();
    error ContractNotConfigured();
    error ETHTransferFailed();
    error IdentityNFTSoulbound();
    error IncorrectBondAmount();
    error InvalidAddress();
    error InvalidMachineAddress();
    error InvalidStatus();
    error MachineNotFound();
    error NotMachineOwner();
    error WalletAlreadyBound(address wallet);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the owner, a 1 PEAQ bond, machine ids from 1, and the peaq precompile
    /// addresses for DID (0x…0800) and WPEAQ (0x…0809). IdentityStaking is wired afterwards.
    function initialize(address initialOwner) external initializer {
        __ERC721_init("peaqOS Identity", "PEAQID");
        __Ownable_init(initialOwner);
        RegistryStorage storage $ = _s();
        $.nextMachineId = 1;
        $.minBond = DEFAULT_MIN_BOND;
        $.wpeaq = WPEAQ_PRECOMPILE;
        $.didPrecompile = DID_PRECOMPILE;
    }

    // ------------------------------------------------------------------ registration

    /// @notice Registers the caller as a machine. `msg.value` must equal `minBond()`.
    function register() external payable nonReentrant returns (uint256) {
        return _register(msg.sender, address(0));
    }

    /// @notice Registers `machineAddress` with the caller as its operator, who pays the bond.
    function registerFor(address machineAddress) external payable nonReentrant returns (uint256) {
        if (machineAddress == address(0)) revert InvalidMachineAddress();
        return _register(machineAddress, machineAddress == msg.sender ? address(0) : msg.sender);
    }

    function _register(address wallet, address operator) private returns (uint256 machineId) {
        RegistryStorage storage $ = _s();
        address staking = $.identityStaking;
        IWPEAQ token = IWPEAQ($.wpeaq);
        if (staking == address(0) || address(token) == address(0)) revert ContractNotConfigured();
        uint256 bond = $.minBond;
        if (msg.value != bond) revert IncorrectBondAmount();
        if ($.machineIdOf[wallet] != 0) revert AlreadyRegistered();

        machineId = $.nextMachineId++;
        $.machines[machineId] = Machine({
            wallet: wallet, status: STATUS_PENDING, statusBeforeDeactivation: STATUS_NONE, operator: operator
        });
        $.machineIdOf[wallet] = machineId;
        _mint(wallet, machineId);

        token.deposit{value: bond}();
        token.forceApprove(staking, bond);
        IIdentityStaking(staking).stakeFor(machineId, msg.sender, bond);

        emit Registered(machineId, tokenURI(machineId), wallet);
        if (operator != address(0)) emit OperatorSet(machineId, operator);
    }

    /// @dev WPEAQ refunds its deposit to the caller on peaq; nothing else may send value here.
    receive() external payable {
        if (msg.sender != _s().wpeaq) revert InvalidAddress();
    }

    /// @notice The machine wallet drops its operator (extra to the deployed ABI). Whoever calls
    /// `registerFor` first becomes the operator, so a machine must be able to remove one it did
    /// not choose. No-op when there is none.
    function removeOperator(uint256 machineId) external {
        Machine storage m = _existing(machineId);
        if (msg.sender != m.wallet) revert NotMachineOwner();
        if (m.operator == address(0)) return;
        m.operator = address(0);
        emit OperatorSet(machineId, address(0));
    }

    // ------------------------------------------------------------------ status (owner only)

    /// @notice Pending -> Verified.
    function verifyMachine(uint256 machineId) external onlyOwner {
        Machine storage m = _existing(machineId);
        if (m.status != STATUS_PENDING) revert InvalidStatus();
        m.status = STATUS_VERIFIED;
        emit MachineVerified(machineId);
    }

    /// @notice Pending -> Rejected.
    function rejectMachine(uint256 machineId) external onlyOwner {
        Machine storage m = _existing(machineId);
        if (m.status != STATUS_PENDING) revert InvalidStatus();
        m.status = STATUS_REJECTED;
        emit MachineRejected(machineId);
    }

    /// @notice Pending / Verified / Rejected -> Deactivated.
    function deactivateMachine(uint256 machineId) external onlyOwner {
        Machine storage m = _existing(machineId);
        if (m.status == STATUS_DEACTIVATED) revert InvalidStatus();
        m.statusBeforeDeactivation = m.status;
        m.status = STATUS_DEACTIVATED;
        emit MachineDeactivated(machineId, m.wallet);
    }

    /// @notice Deactivated -> the status it had before deactivation.
    function reactivateMachine(uint256 machineId) external onlyOwner {
        Machine storage m = _existing(machineId);
        if (m.status != STATUS_DEACTIVATED) revert InvalidStatus();
        m.status = m.statusBeforeDeactivation;
        m.statusBeforeDeactivation = STATUS_NONE;
        emit MachineReactivated(machineId, m.wallet);
    }

    // ------------------------------------------------------------------ configuration (owner only)

    /// @notice Changes the bond; never below `MIN_BOND_FLOOR`.
    function setMinBond(uint256 _minBond) external onlyOwner {
        if (_minBond < MIN_BOND_FLOOR) revert BondBelowFloor();
        _s().minBond = _minBond;
        emit MinBondChanged(_minBond);
    }

    /// @notice Sets the IdentityStaking contract the bonds go to.
    function setIdentityStaking(address _staking) external onlyOwner {
        if (_staking == address(0)) revert InvalidAddress();
        _s().identityStaking = _staking;
        emit IdentityStakingSet(_staking);
    }

    /// @notice Sets the WPEAQ token the bond is routed through.
    function setWPEAQ(address _wpeaq) external onlyOwner {
        if (_wpeaq == address(0)) revert InvalidAddress();
        _s().wpeaq = _wpeaq;
        emit WPEAQSet(_wpeaq);
    }

    /// @notice Sets the DID precompile address (0x…0800 on peaq).
    function setDIDPrecompile(address _did) external onlyOwner {
        if (_did == address(0)) revert InvalidAddress();
        _s().didPrecompile = _did;
        emit DIDPrecompileSet(_did);
    }

    /// @notice Sets the prefix of every `tokenURI` (the Machine Card URL up to the id).
    function setBaseURI(string calldata newBaseURI) external onlyOwner {
        _s().baseURI = newBaseURI;
        emit BaseURISet(newBaseURI);
    }

    /// @notice Sends native currency that reached this contract outside the bond path.
    function rescueETH(address to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert InvalidAddress();
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert ETHTransferFailed();
    }

    // ------------------------------------------------------------------ views

    /// @notice The bond `register` / `registerFor` require, in wei.
    function minBond() external view returns (uint256) {
        return _s().minBond;
    }

    /// @notice Number of machines registered so far (ids run from 1 to this).
    function totalMachines() external view returns (uint256) {
        return _s().nextMachineId - 1;
    }

    /// @notice Id the next registration will get (extra to the deployed ABI).
    function nextMachineId() external view returns (uint256) {
        return _s().nextMachineId;
    }

    /// @notice The IdentityStaking contract (extra to the deployed ABI).
    function identityStaking() external view returns (address) {
        return _s().identityStaking;
    }

    /// @notice The WPEAQ token (extra to the deployed ABI).
    function wpeaq() external view returns (address) {
        return _s().wpeaq;
    }

    /// @notice The DID precompile address.
    function getDIDPrecompile() external view returns (address) {
        return _s().didPrecompile;
    }

    /// @notice The `tokenURI` prefix (extra to the deployed ABI).
    function baseURI() external view returns (string memory) {
        return _s().baseURI;
    }

    function machineExists(uint256 machineId) external view returns (bool) {
        return _s().machines[machineId].status != STATUS_NONE;
    }

    /// @notice The machine's wallet, which holds its Identity NFT. Reverts for unknown ids.
    function machineWalletOf(uint256 machineId) external view returns (address) {
        return _existing(machineId).wallet;
    }

    /// @notice The machine id of a machine wallet, 0 if the address is not registered.
    function machineIdOfOwner(address addr) external view returns (uint256) {
        return _s().machineIdOf[addr];
    }

    /// @notice The operator that registered the machine with `registerFor`, or zero.
    function operatorOf(uint256 machineId) external view returns (address) {
        return _existing(machineId).operator;
    }

    function getOwnerIfExists(uint256 machineId) external view returns (address owner_, bool exists_) {
        Machine storage m = _s().machines[machineId];
        return (m.wallet, m.status != STATUS_NONE);
    }

    function getVerificationInfo(uint256 machineId)
        external
        view
        returns (address owner_, address wallet_, bool exists_, uint8 status_)
    {
        Machine storage m = _s().machines[machineId];
        return (m.wallet, m.wallet, m.status != STATUS_NONE, m.status);
    }

    /// @notice True when `claimedOwner` holds the machine's Identity NFT.
    function verifyOwnership(uint256 machineId, address claimedOwner) external view returns (bool) {
        Machine storage m = _s().machines[machineId];
        return m.status != STATUS_NONE && m.wallet == claimedOwner;
    }

    /// @notice True when `caller` is the machine's wallet (NFT holder) or its operator.
    function isAuthorizedOrOwner(address caller, uint256 machineId) external view returns (bool) {
        (, bool authorized,) = authorizationOf(machineId, caller);
        return authorized;
    }

    /// @notice Status and authorization in one call, for EventRegistry and MachineNFT (extra to
    /// the deployed ABI). Reads the operator slot only when the caller is not the wallet.
    function authorizationOf(uint256 machineId, address caller)
        public
        view
        returns (uint8 status, bool authorized, bool isWallet)
    {
        Machine storage m = _s().machines[machineId];
        status = m.status;
        if (status == STATUS_NONE || caller == address(0)) return (status, false, false);
        isWallet = m.wallet == caller;
        authorized = isWallet || m.operator == caller;
    }

    function getMachineStatus(uint256 machineId) external view returns (uint8) {
        return _s().machines[machineId].status;
    }

    function machineStatus(uint256 machineId) external view returns (uint8) {
        return _s().machines[machineId].status;
    }

    function isVerified(uint256 machineId) external view returns (bool) {
        return _s().machines[machineId].status == STATUS_VERIFIED;
    }

    function isDeactivated(uint256 machineId) external view returns (bool) {
        return _s().machines[machineId].status == STATUS_DEACTIVATED;
    }

    /// @notice ERC-8004 metadata. Keys: `agentWallet` / `machineWallet` (20-byte address),
    /// `operator` (20 bytes, empty when none), `machineURI` (UTF-8). Unknown keys: empty.
    function getMetadata(uint256 machineId, string calldata key) external view returns (bytes memory) {
        Machine storage m = _existing(machineId);
        bytes32 k = keccak256(bytes(key));
        if (k == keccak256("agentWallet") || k == keccak256("machineWallet")) return abi.encodePacked(m.wallet);
        if (k == keccak256("operator")) {
            return m.operator == address(0) ? bytes("") : abi.encodePacked(m.operator);
        }
        if (k == keccak256("machineURI")) return bytes(tokenURI(machineId));
        return "";
    }

    /// @notice `baseURI + machineId`; empty when no base URI is set.
    function tokenURI(uint256 machineId) public view override returns (string memory) {
        _requireOwned(machineId);
        string memory base = _s().baseURI;
        return bytes(base).length == 0 ? "" : string.concat(base, Strings.toString(machineId));
    }

    // ------------------------------------------------------------------ soulbound

    /// @dev Minting is the only token movement allowed. Approvals stay possible (as in the
    /// deployed ABI, where `approve` is not `pure`) but no transfer they allow can happen.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (_ownerOf(tokenId) != address(0)) revert IdentityNFTSoulbound();
        return super._update(to, tokenId, auth);
    }

    // ------------------------------------------------------------------ internals

    function _existing(uint256 machineId) private view returns (Machine storage m) {
        m = _s().machines[machineId];
        if (m.status == STATUS_NONE) revert MachineNotFound();
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _s() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
