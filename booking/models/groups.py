"""Groups and organisations (clubs, self-help groups, …) and the offers of the programme."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base
from booking.models.persons import Person
from booking.models.texts import Translatable


class GroupKind(enum.StrEnum):
    CLUB = "club"
    SELF_HELP = "self_help"
    MIGRANT_ORGANISATION = "migrant_organisation"
    PARTNER = "partner"
    INITIATIVE = "initiative"


class Theme(enum.StrEnum):
    """The themes of the Profil Stadtteilzentrum; every offer carries one."""

    FAMILY = "family"
    EDUCATION_GENERAL = "education_general"
    EDUCATION_POLITICAL = "education_political"
    WELCOME_CULTURE = "welcome_culture"
    COUNSELLING = "counselling"
    INCLUSION = "inclusion"
    SUSTAINABILITY = "sustainability"
    SELF_HELP = "self_help"
    HEALTH_PREVENTION = "health_prevention"
    SPORT = "sport"
    ART = "art"
    CULTURE = "culture"
    OTHER = "other"


group_contact = Table(
    "group_contact",
    Base.metadata,
    Column("group_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class Group(Base):
    __tablename__ = "organisation"  # "group" is an SQL keyword

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[list[Person]] = relationship(secondary=group_contact, lazy="selectin")


class Offer(Translatable, Base):
    """An Angebot: something the centre or a group offers, public or internal."""

    __tablename__ = "offer"
    TRANSLATED = ("title", "description", "target_groups")
    __table_args__ = (CheckConstraint("theme IN ('family', 'education_general', "
                                      "'education_political', 'welcome_culture', 'counselling', "
                                      "'inclusion', 'sustainability', 'self_help', "
                                      "'health_prevention', 'sport', 'art', 'culture', 'other')",
                                      name="theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(30))
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Eigenregie: residents or a group run it without staff on site.
    self_managed: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    # Counts towards the Bürgersprechstunde of the Profil (≥ 10 staffed hours a week).
    consultation: Mapped[bool] = mapped_column(Boolean, default=False)
    # One can just come, without registering first (the public programme says so).
    drop_in: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
