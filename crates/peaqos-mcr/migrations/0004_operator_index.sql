-- The on-chain operator relation (IdentityRegistry `OperatorSet`, journaled in machine_updates
-- as kind 'operator'), looked up by operator: `GET /operator/{did}/machines` pages through a
-- whole fleet from it, not only the ids in the operator DID's `machines` attribute.
CREATE INDEX machine_updates_operator ON machine_updates (kind, value, machine_id);
