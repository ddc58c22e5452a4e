// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title A WETH9-style stand-in for peaq's WPEAQ precompile (0x…0809), for nodes without it.
/// @notice Placed with `vm.etch` / `anvil_setCode`. Unlike the precompile (an ERC-20 view of
/// native balances whose `deposit` refunds at once), this one really wraps; the registry's bond
/// path (`deposit`, `approve`, staking `transferFrom`) works with both.
contract WPEAQStandin {
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Deposit(address indexed owner, uint256 value);
    event Withdrawal(address indexed owner, uint256 value);

    function name() external pure returns (string memory) {
        return "peaq token";
    }

    function symbol() external pure returns (string memory) {
        return "PEAQ";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return address(this).balance;
    }

    receive() external payable {
        deposit();
    }

    function deposit() public payable {
        require(msg.value != 0, "Zero deposit");
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw(uint256 value) external {
        require(balanceOf[msg.sender] >= value, "Trying to withdraw more than owned");
        balanceOf[msg.sender] -= value;
        emit Withdrawal(msg.sender, value);
        (bool ok,) = msg.sender.call{value: value}("");
        require(ok, "Withdraw failed");
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        return transferFrom(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) public returns (bool) {
        require(balanceOf[from] >= value, "Trying to transfer more than owned");
        if (from != msg.sender) {
            uint256 allowed = allowance[from][msg.sender];
            if (allowed != type(uint256).max) {
                require(allowed >= value, "Trying to transfer more than allowed");
                allowance[from][msg.sender] = allowed - value;
            }
        }
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}
