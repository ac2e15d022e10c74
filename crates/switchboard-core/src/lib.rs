//! The core of switchboard: canonical OpenAI-shaped types (Chat Completions and Models),
//! the [`Adapter`] trait every provider implements, the [`registry`] adapters submit
//! themselves to, the one [`GatewayError`] type, and the incremental [`sse`] codec.
//!
//! Architecture invariant: this crate does no I/O. It has no sockets, no runtime and no
//! hyper; adapters reach the network only through the [`HttpTransport`] they are given.

pub mod adapter;
pub mod chat;
pub mod completions;
pub mod decode;
pub mod error;
pub mod models;
pub mod peek;
pub mod registry;
pub mod responses;
pub mod secret;
pub mod sse;
pub mod transport;
pub mod upstream;

pub use adapter::{Adapter, CallContext, ChunkStream, Endpoint, RawRequest, RawResponse};
pub use decode::{ChunkDecode, decode_stream, drain_one_by_one};
pub use error::{ErrorBody, ErrorClass, ErrorObject, Fault, GatewayError};
pub use models::{Model, ModelList};
pub use peek::ChatPeek;
pub use registry::{AdapterFactory, BuildContext, BuildError, Registry, RegistryError};
pub use secret::{Secret, SecretError};
pub use transport::{ByteStream, HttpTransport, UpstreamResponse};
pub use upstream::UpstreamHeaders;
