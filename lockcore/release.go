package lockcore

// Release gives back one hold taken through l: the exclusive hold if there
// is one, otherwise one shared hold. When the last hold of the process goes,
// the kernel lock is dropped; the record stays in the file (the file itself
// is never deleted) and names the last holder. Release without a hold
// returns ErrNotHeld.
func (l *Lock) Release() error {
	l.mu.Lock()
	mode := l.take()
	h := l.h
	l.mu.Unlock()
	if mode == "" {
		return ErrNotHeld
	}
	h.release(mode)
	return nil
}

// take removes one hold from l's count and returns its mode, "" if none.
// l.mu must be held.
func (l *Lock) take() Mode {
	switch {
	case l.excl:
		l.excl = false
		return ModeExclusive
	case l.shared > 0:
		l.shared--
		return ModeShared
	}
	return ""
}

// release gives back one hold of mode taken through h.acquire.
func (h *handle) release(mode Mode) {
	if mode == ModeShared {
		h.rw.RUnlock()
	} else {
		h.rw.Unlock()
	}
	h.mu.Lock()
	h.releaseLocked(mode)
	h.mu.Unlock()
	h.sem.Release(claim{mode: mode}.weight())
}

// TryAcquire takes the lock exclusively if that is possible without waiting
// and reports whether it did. A busy lock is not an error.
func (l *Lock) TryAcquire() (bool, error) {
	h, err := l.handle()
	if err != nil {
		return false, err
	}
	if !h.sem.TryAcquire(writerWeight) {
		return false, nil
	}
	c := newClaim(ModeExclusive, l.opts)
	h.mu.Lock()
	ok := h.flight == nil && h.kmode == ""
	if ok {
		ok, err = h.tryKernel(c)
	}
	h.mu.Unlock()
	if !ok {
		h.sem.Release(writerWeight)
		return false, err
	}
	l.mark(h, ModeExclusive)
	return true, nil
}
