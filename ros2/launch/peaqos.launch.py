"""Launches peaqos_node (the Rust peaqOS ROS 2 machine runtime, crates/peaqos-ros2).

    ros2 launch ros2/launch/peaqos.launch.py                        # config from $PEAQ_ROS2_CONFIG_YAML
    ros2 launch ros2/launch/peaqos.launch.py preset:=local          # against `peaqos dev`
    ros2 launch ros2/launch/peaqos.launch.py config_yaml:=/path/peaq_robot.yaml

The same arguments as the official peaq_ros2_peaqos launch file (config_yaml), plus `preset`
and `node_executable` (default: `peaqos_node` on PATH; `cargo install --path crates/peaqos-ros2`
puts it there). The vault passphrase comes from PEAQOS_WALLET_PASSPHRASE in the environment.
"""

import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "config_yaml",
                default_value=os.environ.get("PEAQ_ROS2_CONFIG_YAML", ""),
                description="peaq_robot.yaml (peaq_os block); empty = env and built-in defaults",
            ),
            DeclareLaunchArgument(
                "preset",
                default_value="",
                description="local (peaqos dev), testnet or mainnet; empty = none",
            ),
            DeclareLaunchArgument(
                "node_executable",
                default_value="peaqos_node",
                description="path of the peaqos_node binary",
            ),
            ExecuteProcess(
                cmd=[
                    LaunchConfiguration("node_executable"),
                    "--ros-args",
                    "-p",
                    ["config.yaml_path:=", LaunchConfiguration("config_yaml")],
                    "-p",
                    ["peaq_os.preset:=", LaunchConfiguration("preset")],
                ],
                name="peaqos_node",
                output="screen",
            ),
        ]
    )
