//! The wake-up queue of a [`TaskGroup`](crate::TaskGroup): which members
//! to poll (`task_group.rs`, invariant 2).

use std::task::{Wake, Waker};

use crate::sync::{Arc, AtomicBool, AtomicWaker, Mutex, Ordering, lock};

/// The members woken since the group's last poll, and the group's waker.
#[derive(Default)]
pub(crate) struct Queue {
    woken: Mutex<Vec<usize>>,
    group: AtomicWaker,
}

impl Queue {
    /// Registers the group's `waker`, then takes the members to poll.
    pub(crate) fn take(&self, waker: &Waker) -> Vec<usize> {
        self.group.register(waker);
        std::mem::take(&mut *lock(&self.woken))
    }
}

/// The waker of member `index`.
pub(crate) struct MemberWaker {
    index: usize,
    /// In the queue, or being taken off it, and not yet polled.
    queued: AtomicBool,
    queue: Arc<Queue>,
}

impl MemberWaker {
    pub(crate) fn new(index: usize, queue: Arc<Queue>) -> Arc<Self> {
        Arc::new(MemberWaker {
            index,
            queued: AtomicBool::new(false),
            queue,
        })
    }

    /// Queues the member unless it is queued already, and wakes the group.
    pub(crate) fn queue(&self) {
        // AcqRel: a wake-up that finds the member queued leaves it to the
        // poll that takes it off, whose swap in `take_off` reads this
        // one's write; the release makes what the member's future changed
        // before waking visible to that poll.
        if !self.queued.swap(true, Ordering::AcqRel) {
            lock(&self.queue.woken).push(self.index);
            self.queue.group.wake();
        }
    }

    /// Called by the poll that took the member off the queue, just before
    /// it polls the member: a wake-up from now on queues it again.
    pub(crate) fn take_off(&self) {
        // AcqRel: pairs with the swap in `queue`.
        self.queued.swap(false, Ordering::AcqRel);
    }
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.queue();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue();
    }
}
