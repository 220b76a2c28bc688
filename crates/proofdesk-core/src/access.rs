//! Who may see and who may act on an operation run.
//!
//! An operator sees a run with a membership in its workspace and an entitlement to its
//! environment (an `owner` is entitled to every environment of its workspace). Acting
//! (reconcile) needs the `restore.execute` capability too: `owner`, `manager` or `operator`.
//! What an operator cannot see does not exist for them, so `Denied::NotVisible` must be
//! reported exactly like a missing run.

use super::vocab::Role;

/// What the store knows about one operator in one run's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The operator's role in the run's workspace, if a member.
    pub role: Option<Role>,
    /// Whether the operator holds an explicit entitlement to the run's environment.
    pub entitled: bool,
}

/// Why an operator may not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Answer exactly as for a run that does not exist.
    NotVisible,
    /// Visible, but the role lacks the `restore.execute` capability.
    RoleCannotExecute(Role),
    /// The session was opened with `--read-only`.
    ReadOnlySession,
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotVisible => f.write_str("not found"),
            Self::RoleCannotExecute(role) => {
                write!(f, "role {role} may view but not reconcile (needs owner, manager or operator)")
            }
            Self::ReadOnlySession => f.write_str("this session is read-only (--read-only)"),
        }
    }
}

impl Grant {
    /// Membership plus entitlement; owners are entitled to every environment of the workspace.
    #[must_use]
    pub fn can_see(self) -> bool {
        match self.role {
            Some(Role::Owner) => true,
            Some(_) => self.entitled,
            None => false,
        }
    }

    /// The reconcile right: visibility plus the `restore.execute` capability, and a writable session.
    ///
    /// # Errors
    /// The first reason the operator may not act, in the order visibility, session, role.
    pub fn may_reconcile(self, read_only: bool) -> Result<(), Denied> {
        if !self.can_see() {
            return Err(Denied::NotVisible);
        }
        if read_only {
            return Err(Denied::ReadOnlySession);
        }
        match self.role {
            Some(role) if role.may_execute() => Ok(()),
            Some(role) => Err(Denied::RoleCannotExecute(role)),
            None => Err(Denied::NotVisible),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Option<Role>, entitled: bool) -> Grant {
        Grant { role, entitled }
    }

    #[test]
    fn owner_sees_every_environment_without_an_entitlement() {
        assert!(grant(Some(Role::Owner), false).can_see());
        assert_eq!(grant(Some(Role::Owner), false).may_reconcile(false), Ok(()));
    }

    #[test]
    fn members_need_the_entitlement_to_see() {
        for role in [Role::Manager, Role::Operator, Role::Readonly] {
            assert!(!grant(Some(role), false).can_see());
            assert!(grant(Some(role), true).can_see());
        }
        assert!(!grant(None, true).can_see(), "an entitlement without membership shows nothing");
    }

    #[test]
    fn readonly_sees_but_never_acts() {
        assert_eq!(
            grant(Some(Role::Readonly), true).may_reconcile(false),
            Err(Denied::RoleCannotExecute(Role::Readonly))
        );
    }

    #[test]
    fn hidden_runs_are_not_visible_before_anything_else() {
        assert_eq!(grant(Some(Role::Operator), false).may_reconcile(true), Err(Denied::NotVisible));
        assert_eq!(grant(Some(Role::Operator), true).may_reconcile(true), Err(Denied::ReadOnlySession));
    }
}
