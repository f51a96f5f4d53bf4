with source as (

    select * from {{ source('retail', 'retail_offer_events') }}

),

renamed as (

    select
        trim(event_id::text)                    as event_id,
        trim(customer_id::text)                 as customer_id,
        trim(offer_id::text)                    as offer_id,
        shown_at::timestamp                     as shown_at,
        accepted::boolean                       as accepted
    from source

)

select * from renamed
