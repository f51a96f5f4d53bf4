with source as (

    select * from {{ source('retail', 'retail_offers') }}

),

renamed as (

    select
        trim(offer_id::text)                    as offer_id,
        trim(offer_name::text)                  as offer_name,
        lower(trim(offer_type::text))           as offer_type,
        discount_pct::double precision          as discount_pct,
        lower(trim(channel::text))              as channel
    from source

)

select * from renamed
