//! Injected failures as a test asks for them ([`Fault`]) and the queue that hands them out
//! to matching requests in order. Which routes and kinds of fault exist, and what each
//! kind answers, is each fake's own.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// One injected failure: answer the next `times` requests matching `route` with `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault<R, K> {
    pub route: R,
    pub kind: K,
    /// How many matching requests it affects; 0 makes the fault a no-op.
    pub times: u32,
}

impl<R, K> Fault<R, K> {
    /// A fault that affects the next matching request only.
    pub fn once(route: R, kind: K) -> Self {
        Fault {
            route,
            kind,
            times: 1,
        }
    }
}

/// A fake's enum of the routes a fault can target.
pub trait FaultRoute: Copy + Eq {
    /// The route that matches every faultable request, including ones no other route names.
    const ANY: Self;
}

/// The queue of pending faults, consumed in order.
pub struct FaultQueue<R, K> {
    pending: VecDeque<Fault<R, K>>,
}

impl<R, K> Default for FaultQueue<R, K> {
    fn default() -> Self {
        FaultQueue {
            pending: VecDeque::new(),
        }
    }
}

impl<R: FaultRoute, K: Clone> FaultQueue<R, K> {
    pub fn push(&mut self, fault: Fault<R, K>) {
        if fault.times > 0 {
            self.pending.push_back(fault);
        }
    }

    /// Drops every pending fault: the network heals at a moment the test chooses rather
    /// than after a number of requests.
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// The first pending fault that applies to a request on `route` (`None` for a request
    /// no specific route names), using up one of its `times`.
    pub fn take(&mut self, route: Option<R>) -> Option<K> {
        let index = self
            .pending
            .iter()
            .position(|f| f.route == R::ANY || Some(f.route) == route)?;
        let fault = &mut self.pending[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Route {
        Any,
        List,
        Get,
        Act,
    }

    impl FaultRoute for Route {
        const ANY: Self = Route::Any;
    }

    #[test]
    fn faults_are_consumed_in_order_by_matching_routes() {
        let mut queue = FaultQueue::default();
        queue.push(Fault {
            route: Route::List,
            kind: "forbidden",
            times: 2,
        });
        queue.push(Fault::once(Route::Any, "unauthorized"));
        queue.push(Fault {
            route: Route::Act,
            kind: "malformed",
            times: 0,
        });
        assert_eq!(queue.take(Some(Route::Get)), Some("unauthorized"));
        assert_eq!(queue.take(Some(Route::Get)), None);
        assert_eq!(queue.take(Some(Route::List)), Some("forbidden"));
        assert_eq!(queue.take(Some(Route::List)), Some("forbidden"));
        assert_eq!(queue.take(Some(Route::List)), None);
        assert_eq!(queue.take(Some(Route::Act)), None, "times 0 is a no-op");
    }

    #[test]
    fn a_request_no_route_names_meets_only_faults_on_any() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::once(Route::List, "forbidden"));
        assert_eq!(queue.take(None), None);
        queue.push(Fault::once(Route::Any, "unauthorized"));
        assert_eq!(queue.take(None), Some("unauthorized"));
        queue.clear();
        assert_eq!(queue.take(Some(Route::List)), None, "cleared");
    }
}
