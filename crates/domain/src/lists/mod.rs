//! The three lists (需求清单 · 资源清单 · 项目清单): needs, resources, the matching engine and projects.

pub mod store;

pub use store::ListsStore;
