//! The memory store's tables: responses by id, items by id, and the order they came in.
//!
//! A full store evicts its oldest response on every `put`, and that response's memory
//! has not been touched since it was stored: every read of it misses the caches (and, in a
//! VM, often the TLB too). On the benchmark VM such a miss cost a few hundred nanoseconds,
//! and the first version of this store, keyed by `String`s, took about 40 of them per
//! request at 10,000 entries. So the tables keep each key's hash beside its slot and find
//! what they evict by hash and serial number, never by reading an id string; items are
//! indexed by the hash of their id and point at their response, with no copy of the id
//! (an id is compared only when hashes are equal, so collisions are still told apart).

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Instant;

use hashbrown::HashTable;

use super::{StoreLimits, StoredResponse};

/// One stored response.
struct Entry {
    /// The hash of its id.
    hash: u64,
    /// Which `put` stored it (unique): how the eviction queue finds it.
    serial: u64,
    record: Arc<StoredResponse>,
    /// What it counts against the byte limit.
    bytes: usize,
    /// When it expires; `None`: never.
    expires: Option<Instant>,
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|at| at <= now)
    }
}

/// One item id of a stored response.
struct Item {
    /// The hash of the item id.
    hash: u64,
    /// The response that holds the item (the newest one, when several do).
    owner: Arc<StoredResponse>,
}

impl Item {
    /// Whether this slot is the one for `id` (whose hash is `hash`).
    fn is(&self, hash: u64, id: &str) -> bool {
        self.hash == hash && holds_item(&self.owner, id)
    }
}

/// A response in the eviction queue.
struct Queued {
    hash: u64,
    serial: u64,
}

/// The memory store's state, behind its lock.
#[derive(Default)]
pub(super) struct Tables {
    /// Keys the hashes of ids (SipHash with a random key: ids come from clients).
    hasher: RandomState,
    entries: HashTable<Entry>,
    items: HashTable<Item>,
    /// Oldest first; may name responses already removed (deleted or replaced).
    order: VecDeque<Queued>,
    next_serial: u64,
    /// The bytes of every entry, against the byte limit.
    pub(super) bytes: usize,
}

impl Tables {
    /// Number of responses held (expired ones included until they are noticed).
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// Keeps `record` (of `bytes`), replacing one with the same id, after evicting what
    /// `limits` require.
    pub(super) fn insert(
        &mut self,
        record: StoredResponse,
        bytes: usize,
        expires: Option<Instant>,
        limits: &StoreLimits,
        now: Instant,
    ) {
        let hash = self.hash(&record.id);
        self.remove_hashed(hash, &record.id);
        self.make_room(limits, bytes, now);
        let record = Arc::new(record);
        for id in &record.item_ids {
            let item_hash = self.hash(id);
            match self
                .items
                .find_mut(item_hash, |item| item.is(item_hash, id))
            {
                Some(item) => item.owner = record.clone(),
                None => {
                    let owner = record.clone();
                    self.items.insert_unique(
                        item_hash,
                        Item {
                            hash: item_hash,
                            owner,
                        },
                        |item| item.hash,
                    );
                }
            }
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        self.bytes += bytes;
        self.order.push_back(Queued { hash, serial });
        self.entries.insert_unique(
            hash,
            Entry {
                hash,
                serial,
                record,
                bytes,
                expires,
            },
            |entry| entry.hash,
        );
    }

    /// Removes the response with this id; true if there was one.
    pub(super) fn remove(&mut self, id: &str) -> bool {
        self.remove_hashed(self.hash(id), id)
    }

    /// [`remove`](Self::remove) with the id's hash worked out already.
    fn remove_hashed(&mut self, hash: u64, id: &str) -> bool {
        match self
            .entries
            .find_entry(hash, |entry| entry.hash == hash && entry.record.id == id)
        {
            Ok(found) => {
                let entry = found.remove().0;
                self.forget(&entry);
                true
            }
            Err(_) => false,
        }
    }

    /// The response with this id, unless it expired (then it is removed).
    pub(super) fn live(&mut self, id: &str, now: Instant) -> Option<Arc<StoredResponse>> {
        let hash = self.hash(id);
        let found = self
            .entries
            .find_entry(hash, |entry| entry.hash == hash && entry.record.id == id)
            .ok()?;
        if found.get().expired(now) {
            let entry = found.remove().0;
            self.forget(&entry);
            return None;
        }
        Some(found.get().record.clone())
    }

    /// The live response holding the item with this id.
    pub(super) fn owner_of(&mut self, item_id: &str, now: Instant) -> Option<Arc<StoredResponse>> {
        let hash = self.hash(item_id);
        let owner = self
            .items
            .find(hash, |item| item.is(hash, item_id))?
            .owner
            .clone();
        self.live(&owner.id, now)
    }

    /// Drops the oldest entries until `limits` hold with `incoming` more bytes, and the
    /// expired ones at the front of the queue. Finds each by its hash and serial: the
    /// evicted response is read only to unindex its items and free it.
    fn make_room(&mut self, limits: &StoreLimits, incoming: usize, now: Instant) {
        while let Some(&Queued { hash, serial }) = self.order.front() {
            let over = self.entries.len() >= limits.max_entries
                || self.bytes + incoming > limits.max_bytes;
            if let Ok(found) = self
                .entries
                .find_entry(hash, |entry| entry.serial == serial)
            {
                if !over && !found.get().expired(now) {
                    break;
                }
                let entry = found.remove().0;
                self.forget(&entry);
            }
            self.order.pop_front();
        }
    }

    /// Takes a removed entry's bytes and items off the books.
    fn forget(&mut self, entry: &Entry) {
        self.bytes -= entry.bytes;
        for id in &entry.record.item_ids {
            let hash = self.hash(id);
            // Only the slots this response still owns: a newer response holding the same
            // item keeps it.
            if let Ok(item) = self.items.find_entry(hash, |item| {
                item.hash == hash && Arc::ptr_eq(&item.owner, &entry.record)
            }) {
                item.remove();
            }
        }
    }
}

/// Whether `record` lists an item with this id.
fn holds_item(record: &StoredResponse, id: &str) -> bool {
    record.item_ids.iter().any(|held| held == id)
}
