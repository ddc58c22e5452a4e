//! The on-chain operator relation: the machines whose current operator (the latest
//! `OperatorSet` of each, journaled in `machine_updates` as kind `operator`) is an address.
//! Read by `GET /operator/{did}/machines` (migration 0004 indexes it by operator).

use alloy::primitives::Address;
use sqlx::Row as _;

use super::{Result, Store, hex_address};

/// The machines whose current operator is `$1`, except a literal list (`{except}`).
const CURRENT_OPERATOR: &str = "FROM machine_updates u \
     WHERE u.kind = 'operator' AND u.value = $1 {except} \
     AND NOT EXISTS (SELECT 1 FROM machine_updates v \
         WHERE v.machine_id = u.machine_id AND v.kind = 'operator' \
         AND (v.block_number > u.block_number \
              OR (v.block_number = u.block_number AND v.log_index > u.log_index)))";

/// `AND u.machine_id NOT IN (…)` for `except` (integers, so inlined), or nothing.
fn except_clause(except: &[u64]) -> String {
    let ids: Vec<String> = except
        .iter()
        .filter_map(|id| i64::try_from(*id).ok())
        .map(|id| id.to_string())
        .collect();
    if ids.is_empty() {
        String::new()
    } else {
        format!("AND u.machine_id NOT IN ({})", ids.join(", "))
    }
}

impl Store {
    /// How many machines `operator` operates on chain now, not counting `except`.
    pub async fn operator_machine_count(&self, operator: Address, except: &[u64]) -> Result<u64> {
        let sql = format!(
            "SELECT COUNT(*) AS n {}",
            CURRENT_OPERATOR.replace("{except}", &except_clause(except))
        );
        let n: i64 = sqlx::query(&sql)
            .bind(hex_address(operator))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One page of the machines `operator` operates on chain now, by machine id, not counting
    /// `except`.
    pub async fn operator_machine_ids(
        &self,
        operator: Address,
        except: &[u64],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<u64>> {
        let sql = format!(
            "SELECT u.machine_id {} ORDER BY u.machine_id LIMIT $2 OFFSET $3",
            CURRENT_OPERATOR.replace("{except}", &except_clause(except))
        );
        let rows = sqlx::query(&sql)
            .bind(hex_address(operator))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("machine_id")?;
                Ok(u64::try_from(id).unwrap_or(0))
            })
            .collect()
    }
}
