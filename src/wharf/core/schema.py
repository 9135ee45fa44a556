"""Every model of every domain, imported once so ``Base.metadata`` is complete for
migrations and for ``wharf db check``."""

from wharf.access import models as access_models
from wharf.control import models as control_models
from wharf.core import settings_store
from wharf.core.db import Base
from wharf.registry import models as registry_models

metadata = Base.metadata

__all__ = ["access_models", "control_models", "metadata", "registry_models", "settings_store"]
