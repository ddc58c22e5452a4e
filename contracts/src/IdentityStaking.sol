// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title IdentityStaking: machine bonds, held forever.
/// @notice Authorized callers (the IdentityRegistry) stake a machine's bond once, pulling the
/// staking token (WPEAQ) with `transferFrom`. There is no withdrawal path.
contract IdentityStaking is Initializable, OwnableUpgradeable, PausableUpgradeable, UUPSUpgradeable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// Stake status: 0 None, 1 Staked.
    uint8 internal constant STAKE_NONE = 0;
    uint8 internal constant STAKE_ACTIVE = 1;

    /// @dev Packed into one slot; the unused fields keep the deployed `getStakeInfo` shape.
    struct Stake {
        uint128 amount;
        uint8 status;
        uint32 slashCount;
        uint64 unstakeRequestTime;
    }

    /// @custom:storage-location erc7201:peaqos.storage.IdentityStaking
    struct StakingStorage {
        IERC20 stakingToken;
        uint256 totalStaked;
        mapping(address caller => bool) authorized;
        mapping(uint256 machineId => Stake) stakes;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.IdentityStaking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xfa8aadc53a587eec03389ae2c59fc92ea7d8f8aba7d6f332b3f73a5c52f4d400;

    event Staked(uint256 indexed machineId, address indexed owner, uint256 amount);
    event Authorized(address indexed addr);
    event Revoked(address indexed addr);

    error AlreadyStaked();
    error AmountZero();
    error NotAuthorized();
    error InvalidAddress();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the staking token (WPEAQ) and the owner.
    function initialize(address _stakingToken, address _owner) external initializer {
        if (_stakingToken == address(0)) revert InvalidAddress();
        __Ownable_init(_owner);
        __Pausable_init();
        _s().stakingToken = IERC20(_stakingToken);
    }

    /// @notice Stakes `amount` of the staking token for `machineId`, pulled from the caller.
    function stakeFor(uint256 machineId, address owner_, uint256 amount) external whenNotPaused nonReentrant {
        StakingStorage storage $ = _s();
        if (!$.authorized[msg.sender]) revert NotAuthorized();
        if (amount == 0) revert AmountZero();
        if (owner_ == address(0)) revert InvalidAddress();
        Stake storage stake = $.stakes[machineId];
        if (stake.status != STAKE_NONE) revert AlreadyStaked();

        stake.amount = SafeCast.toUint128(amount);
        stake.status = STAKE_ACTIVE;
        $.totalStaked += amount;
        $.stakingToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(machineId, owner_, amount);
    }

    /// @notice Lets `addr` call `stakeFor`.
    function authorize(address addr) external onlyOwner {
        if (addr == address(0)) revert InvalidAddress();
        _s().authorized[addr] = true;
        emit Authorized(addr);
    }

    /// @notice Stops `addr` from calling `stakeFor`.
    function revoke(address addr) external onlyOwner {
        _s().authorized[addr] = false;
        emit Revoked(addr);
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function isAuthorized(address addr) external view returns (bool) {
        return _s().authorized[addr];
    }

    function isStaked(uint256 machineId) external view returns (bool) {
        return _s().stakes[machineId].status == STAKE_ACTIVE;
    }

    function getStake(uint256 machineId) external view returns (uint256) {
        return _s().stakes[machineId].amount;
    }

    function getStakeInfo(uint256 machineId)
        external
        view
        returns (uint256 amount, uint8 status, uint32 slashCount, uint64 unstakeRequestTime)
    {
        Stake storage stake = _s().stakes[machineId];
        return (stake.amount, stake.status, stake.slashCount, stake.unstakeRequestTime);
    }

    function totalStaked() external view returns (uint256) {
        return _s().totalStaked;
    }

    function stakingToken() external view returns (address) {
        return address(_s().stakingToken);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _s() private pure returns (StakingStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
