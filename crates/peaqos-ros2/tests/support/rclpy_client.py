"""A ROS 2 Jazzy rclpy client (default RMW: Fast DDS) driven by the Rust tests.

Reads one JSON command per line on stdin and answers one JSON line per command on stdout:
  {"id": 1, "service": "events/validate", "type": "PeaqosValidateEvent", "request": {...}}
  -> {"id": 1, "ok": true, "response": {...}, "ms": 1.2}
Calls are asynchronous: many may be in flight at once; answers come in completion order.
{"id": n, "wait": "<service>", "type": "..."} waits for the service to be discovered.
{"id": n, "graph": "<node name>"} waits until the ROS graph shows that node, then answers its
  nodes ([name, namespace] pairs), all services and the node's own services ({name: [types]}).
"""

import importlib
import json
import sys
import threading
import time

import rclpy
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node

NODE = "/peaqos_node"
WAIT_SECS = 30.0

out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
        sys.stdout.flush()


def to_dict(msg):
    out = {}
    for name in msg.get_fields_and_field_types():
        v = getattr(msg, name)
        if hasattr(v, "tolist"):
            v = v.tolist()
        elif isinstance(v, (list, tuple)) or type(v).__name__ == "array":
            v = list(v)
        out[name] = v
    return out


def graph(node, name):
    deadline = time.monotonic() + WAIT_SECS
    while time.monotonic() < deadline:
        nodes = node.get_node_names_and_namespaces()
        if any(n == name for n, _ in nodes):
            break
        time.sleep(0.2)
    own = {}
    try:
        own = dict(node.get_service_names_and_types_by_node(name, "/"))
    except Exception as e:  # noqa: BLE001 - an unknown node raises; the test reports it
        own = {"error": repr(e)}
    return {
        "nodes": [list(n) for n in node.get_node_names_and_namespaces()],
        "services": dict(node.get_service_names_and_types()),
        "node_services": own,
    }


def main():
    rclpy.init()
    node = Node("peaqos_test_client")
    executor = MultiThreadedExecutor(num_threads=4)
    executor.add_node(node)
    threading.Thread(target=executor.spin, daemon=True).start()
    srv_mod = importlib.import_module("peaq_ros2_interfaces.srv")
    clients = {}
    lock = threading.Lock()

    def client_for(service, type_name):
        key = (service, type_name)
        with lock:
            if key not in clients:
                clients[key] = node.create_client(getattr(srv_mod, type_name), f"{NODE}/{service}")
            return clients[key]

    emit({"ready": True, "rmw": rclpy.get_rmw_implementation_identifier()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        cid = cmd.get("id")
        try:
            if "wait" in cmd:
                c = client_for(cmd["wait"], cmd["type"])
                ok = c.wait_for_service(timeout_sec=WAIT_SECS)
                emit({"id": cid, "ok": ok})
                continue
            if "graph" in cmd:
                emit({"id": cid, "ok": True, "response": graph(node, cmd["graph"])})
                continue
            c = client_for(cmd["service"], cmd["type"])
            req = getattr(srv_mod, cmd["type"]).Request()
            for k, v in cmd.get("request", {}).items():
                setattr(req, k, v)
            started = time.perf_counter()
            fut = c.call_async(req)

            def done(f, cid=cid, started=started):
                ms = (time.perf_counter() - started) * 1000.0
                try:
                    emit({"id": cid, "ok": True, "response": to_dict(f.result()), "ms": ms})
                except Exception as e:  # noqa: BLE001
                    emit({"id": cid, "ok": False, "error": repr(e), "ms": ms})

            fut.add_done_callback(done)
        except Exception as e:  # noqa: BLE001
            emit({"id": cid, "ok": False, "error": repr(e)})
    executor.shutdown()
    rclpy.shutdown()


if __name__ == "__main__":
    main()
