"""`b2bmail export`: a campaign's compiled segments written in an ESP's own template language
(merge tags, fallbacks, the ESP's unsubscribe placeholder), with a README saying where each
file goes and, from a recipient list, the contacts CSV in the layout the ESP's importer reads.

One module per dialect (brevo, mailchimp, hubspot, mailjet, sendgrid, sfmc, listmonk) writes
one merge field (and its conditional); dialect.py holds what they share and esp.yaml's facts;
compile.py compiles the campaign (a version per combination of the recipient values its logic
reads, per language); versions.py merges an email's versions into one template; writer.py
walks the compiled templates and writes the files; contacts.py writes the contact list.

May import: config, campaign, segments, render, recipients, personalize (routing), salutation,
journey, output and errors. Never the CLI.
"""
