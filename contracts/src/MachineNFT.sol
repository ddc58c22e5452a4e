// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";
import {IIdentityStaking} from "./interfaces/IIdentityStaking.sol";

/// @title MachineNFT: the machine's financial twin, one per machine, bridgeable.
/// @notice A separate token space from the Identity NFT, with its own counter from 1.
/// `tokenURI = baseURI + tokenId`, which the MCR API serves at `/metadata/{token_id}`.
/// @dev Transferable (it can be sold or locked in MachineNFTAdapter); every token movement
/// stops while paused, which the adapter reports as `BridgePausedByNFT`.
contract MachineNFT is
    Initializable,
    ERC721Upgradeable,
    OwnableUpgradeable,
    PausableUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuard
{
    /// @custom:storage-location erc7201:peaqos.storage.MachineNFT
    struct NFTStorage {
        address identityRegistry;
        address identityStaking;
        uint256 nextTokenId;
        string baseURI;
        mapping(uint256 machineId => uint256 tokenId) tokenIdOf;
        mapping(uint256 tokenId => uint256 machineId) machineIdOf;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.MachineNFT")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x5e5d3ba98dce26d1e378239c2ec2c3e730a4a98bf7516feb6c8d56b487193c00;

    uint8 internal constant STATUS_NONE = 0;

    event MachineMinted(uint256 indexed tokenId, uint256 indexed machineId, address indexed recipient);
    event BaseURISet(string baseURI);
    event IdentityRegistrySet(address indexed registry);
    event IdentityStakingSet(address indexed staking);

    error AlreadyMinted();
    error InvalidAddress();
    error MachineNotBonded();
    error MachineNotFound();
    error NotMachineOwner();
    error RecipientMustBeMachineOwner();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Wires the IdentityRegistry and IdentityStaking, sets the owner, token ids from 1.
    function initialize(address _identityRegistry, address _identityStaking, address _owner) external initializer {
        if (_identityRegistry == address(0) || _identityStaking == address(0)) revert InvalidAddress();
        __ERC721_init("peaqOS Machine NFT", "PEAQMNFT");
        __Ownable_init(_owner);
        __Pausable_init();
        NFTStorage storage $ = _s();
        $.identityRegistry = _identityRegistry;
        $.identityStaking = _identityStaking;
        $.nextTokenId = 1;
        emit IdentityRegistrySet(_identityRegistry);
        emit IdentityStakingSet(_identityStaking);
    }

    /// @notice Mints the machine's NFT to `recipient`. The caller must be the machine wallet
    /// (any recipient) or its operator (recipient must be the machine wallet); the machine must
    /// be bonded; one NFT per machine.
    function mint(uint256 machineId, address recipient) external whenNotPaused nonReentrant {
        if (recipient == address(0)) revert InvalidAddress();
        NFTStorage storage $ = _s();
        IIdentityRegistry registry = IIdentityRegistry($.identityRegistry);
        (uint8 status, bool authorized, bool isWallet) = registry.authorizationOf(machineId, msg.sender);
        if (status == STATUS_NONE) revert MachineNotFound();
        if (!authorized) revert NotMachineOwner();
        if (!isWallet && recipient != registry.machineWalletOf(machineId)) revert RecipientMustBeMachineOwner();
        if (!IIdentityStaking($.identityStaking).isStaked(machineId)) revert MachineNotBonded();
        if ($.tokenIdOf[machineId] != 0) revert AlreadyMinted();

        uint256 tokenId = $.nextTokenId++;
        $.tokenIdOf[machineId] = tokenId;
        $.machineIdOf[tokenId] = machineId;
        _mint(recipient, tokenId);
        emit MachineMinted(tokenId, machineId, recipient);
    }

    /// @notice The Machine NFT of `machineId`, 0 when not minted yet. Reverts
    /// `MachineNotFound` for an unknown machine.
    function tokenIdOf(uint256 machineId) external view returns (uint256) {
        NFTStorage storage $ = _s();
        if (!IIdentityRegistry($.identityRegistry).machineExists(machineId)) revert MachineNotFound();
        return $.tokenIdOf[machineId];
    }

    /// @notice The machine a Machine NFT belongs to.
    function machineIdOf(uint256 tokenId) external view returns (uint256) {
        uint256 machineId = _s().machineIdOf[tokenId];
        if (machineId == 0) revert ERC721NonexistentToken(tokenId);
        return machineId;
    }

    /// @notice Number of Machine NFTs minted.
    function totalMinted() external view returns (uint256) {
        return _s().nextTokenId - 1;
    }

    /// @notice `baseURI + tokenId`; empty when no base URI is set.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        string memory base = _s().baseURI;
        return bytes(base).length == 0 ? "" : string.concat(base, Strings.toString(tokenId));
    }

    /// @notice The `tokenURI` prefix (extra to the deployed ABI).
    function baseURI() external view returns (string memory) {
        return _s().baseURI;
    }

    /// @notice The IdentityRegistry (extra to the deployed ABI).
    function identityRegistry() external view returns (address) {
        return _s().identityRegistry;
    }

    /// @notice The IdentityStaking (extra to the deployed ABI).
    function identityStaking() external view returns (address) {
        return _s().identityStaking;
    }

    /// @notice Sets the `tokenURI` prefix, e.g. `https://mcr.example/metadata/`.
    function setBaseURI(string calldata _baseURI) external onlyOwner {
        _s().baseURI = _baseURI;
        emit BaseURISet(_baseURI);
    }

    function setIdentityRegistry(address _registry) external onlyOwner {
        if (_registry == address(0)) revert InvalidAddress();
        _s().identityRegistry = _registry;
        emit IdentityRegistrySet(_registry);
    }

    function setIdentityStaking(address _staking) external onlyOwner {
        if (_staking == address(0)) revert InvalidAddress();
        _s().identityStaking = _staking;
        emit IdentityStakingSet(_staking);
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    /// @dev No mint, transfer or bridge lock while paused.
    function _update(address to, uint256 tokenId, address auth) internal override whenNotPaused returns (address) {
        return super._update(to, tokenId, auth);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _s() private pure returns (NFTStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
