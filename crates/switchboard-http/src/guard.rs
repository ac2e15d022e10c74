//! The upstream address guard for providers created at run time: [`AddressPolicy`] judges
//! each address an upstream host resolves to (`allowlist.rs` judges the host name of a
//! `base_url` before it is accepted).
//!
//! It is pure; `resolve.rs` applies the policy on every connect.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which upstream addresses a client may connect to; set as
/// [`ClientConfig::address_policy`](crate::ClientConfig::address_policy) for the client of
/// providers created at run time, so an admin API call cannot point the gateway at its own
/// network (a server-side request forgery).
///
/// Always refused: unspecified and "this network" (`0.0.0.0/8`, `::`), link-local
/// (`169.254.0.0/16`, `fe80::/10`), cloud metadata endpoints, multicast and broadcast.
/// Refused unless `allow_private`: loopback, RFC 1918, shared CGNAT space (`100.64.0.0/10`),
/// unique-local (`fc00::/7`) and site-local (`fec0::/10`). An IPv6 address that carries an
/// IPv4 address (IPv4-mapped, IPv4-compatible, NAT64 `64:ff9b::/96`) is judged by that IPv4
/// address. The default refuses private addresses too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Whether loopback and private networks are allowed (a gateway whose model servers run
    /// on the same host or LAN). Link-local and metadata addresses stay refused.
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Judges one address; called for every address of every resolution and for IP-literal
    /// hosts. `Err` says which rule refused it.
    pub fn check(&self, ip: IpAddr) -> Result<(), RefusedAddress> {
        match classify(ip) {
            Some(reason) if !(self.allow_private && reason.is_private()) => Err(RefusedAddress {
                address: ip,
                reason,
            }),
            _ => Ok(()),
        }
    }
}

/// An upstream address that [`AddressPolicy::check`] refused, and why. The client's 502 for
/// a refused connect carries it in its source chain and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the address {address} is refused for providers created at run time ({reason}; {hint})", hint = reason.hint())]
pub struct RefusedAddress {
    /// The refused address, as resolved (an IPv4-mapped address stays IPv6 here).
    pub address: IpAddr,
    /// The rule that refused it.
    pub reason: RefusalReason,
}

/// The rule under which an address is refused; see [`AddressPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalReason {
    /// `0.0.0.0` or `::`.
    Unspecified,
    /// `0.0.0.0/8` other than `0.0.0.0`.
    ThisNetwork,
    /// `169.254.0.0/16` or `fe80::/10`.
    LinkLocal,
    /// A cloud metadata or control endpoint: `169.254.169.254`, `fd00:ec2::254`,
    /// `100.100.100.200` (Alibaba) or `168.63.129.16` (Azure wire server).
    CloudMetadata,
    /// `224.0.0.0/4` or `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `127.0.0.0/8` or `::1`; allowed with `allow_private`.
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`; allowed with `allow_private`.
    Private,
    /// Shared CGNAT space `100.64.0.0/10`; allowed with `allow_private`.
    SharedAddressSpace,
    /// `fc00::/7`; allowed with `allow_private`.
    UniqueLocal,
    /// `fec0::/10` (deprecated, still routed by some networks); allowed with `allow_private`.
    SiteLocal,
    /// `198.18.0.0/15`, set aside for network benchmarks and used inside private networks;
    /// allowed with `allow_private`.
    Benchmarking,
    /// `240.0.0.0/4` (reserved) or a Teredo address `2001::/32` (whose IPv4 end cannot be
    /// judged).
    Reserved,
}

impl RefusalReason {
    /// A short name for messages: "loopback", "cloud metadata", ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::ThisNetwork => "this network",
            Self::LinkLocal => "link-local",
            Self::CloudMetadata => "cloud metadata",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::SharedAddressSpace => "shared address space",
            Self::UniqueLocal => "unique-local",
            Self::SiteLocal => "site-local",
            Self::Benchmarking => "benchmarking",
            Self::Reserved => "reserved",
        }
    }

    /// Whether `allow_private` lifts this refusal.
    pub fn is_private(self) -> bool {
        matches!(
            self,
            Self::Loopback
                | Self::Private
                | Self::SharedAddressSpace
                | Self::UniqueLocal
                | Self::SiteLocal
                | Self::Benchmarking
        )
    }

    /// What an operator can do about it.
    fn hint(self) -> &'static str {
        if self.is_private() {
            "set server.allow_private_upstreams to allow private addresses"
        } else {
            "refused even with server.allow_private_upstreams"
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// IPv4 cloud metadata and control endpoints: AWS/GCP/Azure/Oracle IMDS, Alibaba, Azure's
/// wire server. Checked before the ranges they sit in so the reason names them.
const METADATA_V4: [Ipv4Addr; 3] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(168, 63, 129, 16),
];

/// AWS's IPv6 IMDS endpoint (inside `fc00::/7`, so it must be checked first).
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// The refusal rule an address falls under, whatever the policy; `None` for a public one.
fn classify(ip: IpAddr) -> Option<RefusalReason> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<RefusalReason> {
    let [a, b, ..] = ip.octets();
    Some(if ip.is_unspecified() {
        RefusalReason::Unspecified
    } else if a == 0 {
        RefusalReason::ThisNetwork
    } else if ip.is_broadcast() {
        RefusalReason::Broadcast
    } else if METADATA_V4.contains(&ip) {
        RefusalReason::CloudMetadata
    } else if ip.is_link_local() {
        RefusalReason::LinkLocal
    } else if ip.is_multicast() {
        RefusalReason::Multicast
    } else if ip.is_loopback() {
        RefusalReason::Loopback
    } else if ip.is_private() {
        RefusalReason::Private
    } else if a == 100 && (b & 0xc0) == 64 {
        RefusalReason::SharedAddressSpace
    } else if a == 198 && (b & 0xfe) == 18 {
        RefusalReason::Benchmarking
    } else if a >= 240 {
        RefusalReason::Reserved
    } else {
        return None;
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<RefusalReason> {
    let first = ip.segments()[0];
    Some(if ip.is_unspecified() {
        RefusalReason::Unspecified
    } else if ip == METADATA_V6 {
        RefusalReason::CloudMetadata
    } else if ip.is_loopback() {
        RefusalReason::Loopback
    } else if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    } else if first == 0x2001 && ip.segments()[1] == 0 {
        RefusalReason::Reserved
    } else if ip.is_unicast_link_local() {
        RefusalReason::LinkLocal
    } else if ip.is_multicast() {
        RefusalReason::Multicast
    } else if ip.is_unique_local() {
        RefusalReason::UniqueLocal
    } else if first & 0xffc0 == 0xfec0 {
        RefusalReason::SiteLocal
    } else {
        return None;
    })
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`, the local-use `64:ff9b:1::/48` with the IPv4
/// address last) or 6to4 (`2002:aabb:ccdd::/48`) address: connecting to one of those
/// reaches (or, through a translator or relay, is sent on to) the IPv4 address. `::` and
/// `::1` are handled before this is called.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let low = Ipv4Addr::from(ip.to_bits() as u32);
    match s {
        [0, 0, 0, 0, 0, 0, ..] | [0x64, 0xff9b, 0, 0, 0, 0, ..] | [0x64, 0xff9b, 1, ..] => {
            Some(low)
        }
        [0x2002, high, low16, ..] => {
            Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low16)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: AddressPolicy = AddressPolicy {
        allow_private: false,
    };
    const LENIENT: AddressPolicy = AddressPolicy {
        allow_private: true,
    };

    /// One row: an address, the rule it falls under (`None`: public).
    fn assert_rule(address: &str, expected: Option<RefusalReason>) {
        let ip: IpAddr = address.parse().unwrap();
        let strict = STRICT.check(ip).err().map(|r| r.reason);
        assert_eq!(strict, expected, "{address} with allow_private = false");
        let lenient = LENIENT.check(ip).err().map(|r| r.reason);
        let expected_lenient = expected.filter(|r| !r.is_private());
        assert_eq!(
            lenient, expected_lenient,
            "{address} with allow_private = true"
        );
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.255.255",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_rule(address, None);
        }
    }

    #[test]
    fn addresses_that_are_always_refused() {
        use RefusalReason::*;
        for (address, reason) in [
            ("0.0.0.0", Unspecified),
            ("::", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("169.254.0.1", LinkLocal),
            ("169.254.170.2", LinkLocal),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("169.254.169.254", CloudMetadata),
            ("fd00:ec2::254", CloudMetadata),
            ("100.100.100.200", CloudMetadata),
            ("168.63.129.16", CloudMetadata),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("ff02::1", Multicast),
            ("255.255.255.255", Broadcast),
        ] {
            assert_rule(address, Some(reason));
        }
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        use RefusalReason::*;
        for (address, reason) in [
            ("127.0.0.1", Loopback),
            ("127.255.0.9", Loopback),
            ("::1", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fec0::1", SiteLocal),
        ] {
            assert_rule(address, Some(reason));
        }
    }

    #[test]
    fn ipv6_addresses_carrying_ipv4_are_judged_by_the_ipv4() {
        use RefusalReason::*;
        for (address, reason) in [
            ("::ffff:169.254.169.254", CloudMetadata),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:0.0.0.0", Unspecified),
            ("::169.254.169.254", CloudMetadata),
            ("::127.0.0.1", Loopback),
            ("::0.0.0.2", ThisNetwork),
            ("64:ff9b::a9fe:a9fe", CloudMetadata),
            ("64:ff9b::192.168.0.1", Private),
            ("64:ff9b:1::a9fe:a9fe", CloudMetadata),
            ("2002:a9fe:a9fe::1", CloudMetadata),
            ("2002:7f00:1::", Loopback),
            ("2002:0a00:0001::", Private),
        ] {
            assert_rule(address, Some(reason));
        }
    }

    #[test]
    fn reserved_and_benchmarking_ranges_are_refused() {
        use RefusalReason::*;
        for (address, reason) in [
            ("240.0.0.1", Reserved),
            ("250.1.2.3", Reserved),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.254", Benchmarking),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Reserved),
        ] {
            assert_rule(address, Some(reason));
        }
        for public in [
            "198.20.0.1",
            "198.17.255.255",
            "2001:db9::1",
            "2002:0808:0808::1",
        ] {
            assert_rule(public, None);
        }
    }

    #[test]
    fn the_refusal_message_names_the_address_the_reason_and_the_setting() {
        let err = STRICT.check("127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the address 127.0.0.1 is refused for providers created at run time (loopback; \
             set server.allow_private_upstreams to allow private addresses)"
        );
        let err = LENIENT
            .check("169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the address 169.254.169.254 is refused for providers created at run time (cloud \
             metadata; refused even with server.allow_private_upstreams)"
        );
    }
}
