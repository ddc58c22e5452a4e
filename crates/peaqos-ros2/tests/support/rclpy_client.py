"""A ROS 2 Jazzy rclpy client (default RMW: Fast DDS) driven by the Rust tests.

Reads one JSON command per line on stdin and answers one JSON line per command on stdout:
  {"id": 1, "service": "events/validate", "type": "PeaqosValidateEvent", "request": {...}}
  -> {"id": 1, "ok": true, "response": {...}, "ms": 1.2}
Calls are asynchronous: many may be in flight at once; answers come in completion order.
{"id": n, "wait": "<service>", "type": "..."} waits for the service to be discovered.
{"id": n, "graph": "<node name>", "expect": k} waits until the ROS graph shows that node and
  at least k peaq_ros2_interfaces services under /<node name>/ (discovery is incremental;
  the standard parameter services do not count), then answers its
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


def graph(node, name, expect=0):
    """The graph once it shows the node and (DDS discovers endpoints one by one) at least
    `expect` of its peaq_ros2_interfaces services under /<name>/, both in the whole graph and
    tied to the node;
    whatever it shows after WAIT_SECS otherwise (the test then reports what is missing)."""
    prefix = "/" + name + "/"

    def mine(services):
        # Only the peaqos services count: the node's standard parameter services
        # (rcl_interfaces) are discovered too and would make the count early.
        return sum(
            1
            for s, types in services.items()
            if s.startswith(prefix)
            and any(t.startswith("peaq_ros2_interfaces/") for t in types)
        )

    deadline = time.monotonic() + WAIT_SECS
    while True:
        nodes = node.get_node_names_and_namespaces()
        services = dict(node.get_service_names_and_types())
        try:
            own = dict(node.get_service_names_and_types_by_node(name, "/"))
        except Exception as e:  # noqa: BLE001 - an unknown node raises; the test reports it
            own = {"error": repr(e)}
        seen = any(n == name for n, _ in nodes)
        if (seen and mine(services) >= expect and mine(own) >= expect) \
                or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return {
        "nodes": [list(n) for n in nodes],
        "services": services,
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
                response = graph(node, cmd["graph"], cmd.get("expect", 0))
                emit({"id": cid, "ok": True, "response": response})
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
